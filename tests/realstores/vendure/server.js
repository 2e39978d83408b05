'use strict';
/**
 * A real Vendure server for Cartmigrate's end-to-end tests, started by tests/realstores/conftest.py.
 *
 * - In-memory sql.js database: every start is an empty store (the fixture does the one-time setup).
 * - Listens on 127.0.0.1 only, on VENDURE_PORT.
 * - Runs its job queue in this process (collection contents are computed by jobs; a second worker
 *   process would hold its own copy of an in-memory database).
 * - Telemetry off (VENDURE_DISABLE_TELEMETRY, set here in case the caller did not).
 * - Loads the CartmigratePlugin from connectors/vendure, exactly as a store owner would.
 *
 * Run by hand: `VENDURE_PORT=3000 node server.js`, then GET http://127.0.0.1:3000/health.
 */
const path = require('path');
const Module = require('module');

process.env.VENDURE_DISABLE_TELEMETRY = 'true';
// The plugin lives with the connector, outside this folder: let it find @vendure/core in our node_modules.
process.env.NODE_PATH = [path.join(__dirname, 'node_modules'), process.env.NODE_PATH].filter(Boolean)
    .join(path.delimiter);
Module._initPaths();

const {
    bootstrap, DefaultJobQueuePlugin, DefaultLogger, dummyPaymentHandler, JobQueueService, LogLevel,
} = require('@vendure/core');
const { CartmigratePlugin } = require(path.join(__dirname, '..', '..', '..', 'connectors', 'vendure',
    'vendure_plugin', 'cartmigrate-plugin.js'));

const port = Number(process.env.VENDURE_PORT || 3000);

bootstrap({
    apiOptions: {
        hostname: '127.0.0.1',
        port,
        adminApiPath: 'admin-api',
        shopApiPath: 'shop-api',
        adminApiPlayground: false,
        shopApiPlayground: false,
        adminListQueryLimit: 1000,
    },
    authOptions: {
        tokenMethod: ['bearer', 'api-key'],
        requireVerification: false,
        superadminCredentials: {
            identifier: process.env.VENDURE_SUPERADMIN || 'superadmin',
            password: process.env.VENDURE_SUPERADMIN_PASSWORD || 'superadmin',
        },
    },
    dbConnectionOptions: { type: 'sqljs', synchronize: true, logging: false },
    paymentOptions: { paymentMethodHandlers: [dummyPaymentHandler] },
    logger: new DefaultLogger({ level: process.env.VENDURE_LOG_DEBUG ? LogLevel.Debug : LogLevel.Warn }),
    plugins: [DefaultJobQueuePlugin.init({ pollInterval: 100 }), CartmigratePlugin],
})
    .then(app => app.get(JobQueueService).start())
    .then(() => console.log(`VENDURE READY on http://127.0.0.1:${port}`))
    .catch(err => {
        console.error(err);
        process.exit(1);
    });

'use strict';
/**
 * CartmigratePlugin: what a Vendure store needs to receive a migration from Cartmigrate with nothing lost.
 *
 * Add it to the `plugins` of your VendureConfig (it is plain CommonJS; copy this file next to your
 * vendure-config.ts and `import { CartmigratePlugin } from './cartmigrate-plugin'`), then restart the
 * server so the new custom fields are added to the database (synchronize, or generate a migration).
 * Cartmigrate detects the plugin through `globalSettings.serverConfig.customFieldConfig`.
 *
 * It adds:
 * - Custom fields that stock Vendure has no place for:
 *   - Product.productSku, Product.stockQuantity, Product.stockStatus: the product-level SKU and stock of a
 *     product with variants (WooCommerce and others have them; Vendure keeps SKU and stock per variant).
 *   - ProductVariant.compareAtPrice: the regular ("was") price of a variant on sale, in minor units.
 *   - Order.sourceOrderNumber, Order.sourceOrderDate: the number and date of an imported order on the old
 *     store (Vendure generates its own order code and sets `orderPlacedAt` to the moment of the import).
 *   - Order.importedShipping / importedShippingTax and OrderLine.importedUnitPrice / importedLinePrice /
 *     importedLineTax: the amounts of an imported order, in minor units, so that it keeps its historical
 *     prices, discounts, shipping and tax to the cent instead of being priced again with today's catalogue.
 * - Strategies that only act on imported order lines (those with `importedLinePrice` set); every other order
 *   goes to the strategy that was configured before (the default one unless you changed it):
 *   - OrderItemPriceCalculationStrategy: the line's unit price is `importedUnitPrice`.
 *   - TaxLineCalculationStrategy: the line's tax rate is the one that gives exactly `importedLineTax`.
 *   - StockLocationStrategy: imported lines allocate no stock, so fulfilling them sells none: the stock of the
 *     old store already went down when those orders were placed there. And while Cartmigrate adds the lines
 *     and shipments of an imported order (Admin API requests with the header `Cartmigrate-Import: orders`),
 *     the current stock does not refuse them: a product sold out today was in stock when it was ordered.
 * - Operations used by imported orders only:
 *   - the promotion condition `cartmigrate_imported_order` and the promotion action
 *     `cartmigrate_imported_line_discount` (the difference between the unit price times the quantity and
 *     `importedLinePrice`, i.e. the historical discount). Cartmigrate creates one automatic promotion using
 *     them ("Imported order discounts"). Other automatic promotions of the store also apply to orders being
 *     imported: disable them while the migration runs.
 *   - the shipping calculator `cartmigrate-imported-shipping` (price and tax from the order's custom fields)
 *     and the eligibility checker `cartmigrate-imported-order` (true only for imported orders). Cartmigrate
 *     creates one shipping method using them ("Imported shipping", code `cartmigrate-imported`), which
 *     customers never see at checkout.
 */
const core = require('@vendure/core');

const {
    LanguageCode,
    MultiChannelStockLocationStrategy,
    PluginCommonModule,
    PromotionCondition,
    PromotionLineAction,
    ShippingCalculator,
    ShippingEligibilityChecker,
    VendurePlugin,
} = core;

const en = text => [{ languageCode: LanguageCode.en, value: text }];

function importedLine(line) {
    const fields = line && line.customFields;
    return Boolean(fields) && fields.importedLinePrice !== null && fields.importedLinePrice !== undefined;
}

function isImportedOrder(order) {
    const fields = order && order.customFields;
    return Boolean(fields) && fields.importedShipping !== null && fields.importedShipping !== undefined;
}

/**
 * True for Admin API requests that carry the `Cartmigrate-Import: orders` header. Cartmigrate sends it only
 * while it adds the lines and shipments of an imported order: those were sold long ago on the old store, so
 * the current stock must not refuse them (and, see forAllocation, they do not take stock either).
 */
function importRequest(ctx) {
    const req = ctx && ctx.apiType === 'admin' ? ctx.req : undefined;
    return Boolean(req && typeof req.get === 'function' && req.get(IMPORT_HEADER) === 'orders');
}

const IMPORT_HEADER = 'cartmigrate-import';

/** The tax rate (percent) that turns `net` into `net + tax` (Vendure keeps rates, not amounts, per line). */
function rateFor(net, tax) {
    return net > 0 ? (tax * 100) / net : 0;
}

function delegate(inner, name, args) {
    return inner && typeof inner[name] === 'function' ? inner[name](...args) : undefined;
}

class ImportedOrderItemPriceCalculationStrategy {
    constructor(inner) {
        this.inner = inner;
    }
    init(injector) {
        return delegate(this.inner, 'init', [injector]);
    }
    destroy() {
        return delegate(this.inner, 'destroy', []);
    }
    calculateUnitPrice(ctx, productVariant, orderLineCustomFields, order, quantity) {
        const fields = orderLineCustomFields || {};
        if (fields.importedUnitPrice !== null && fields.importedUnitPrice !== undefined) {
            return { price: fields.importedUnitPrice, priceIncludesTax: false };
        }
        return this.inner.calculateUnitPrice(ctx, productVariant, orderLineCustomFields, order, quantity);
    }
}

class ImportedTaxLineCalculationStrategy {
    constructor(inner) {
        this.inner = inner;
    }
    init(injector) {
        return delegate(this.inner, 'init', [injector]);
    }
    destroy() {
        return delegate(this.inner, 'destroy', []);
    }
    calculate(args) {
        const { orderLine, applicableTaxRate } = args;
        if (!importedLine(orderLine)) {
            return this.inner.calculate(args);
        }
        const fields = orderLine.customFields;
        const tax = fields.importedLineTax || 0;
        return [{ description: applicableTaxRate ? applicableTaxRate.name : 'Tax',
                  taxRate: rateFor(fields.importedLinePrice, tax) }];
    }
}

class ImportedStockLocationStrategy {
    constructor(inner) {
        this.inner = inner || new MultiChannelStockLocationStrategy();
    }
    init(injector) {
        return delegate(this.inner, 'init', [injector]);
    }
    destroy() {
        return delegate(this.inner, 'destroy', []);
    }
    getAvailableStock(ctx, productVariantId, stockLevels) {
        if (importRequest(ctx)) {
            return { stockOnHand: 2147483647, stockAllocated: 0 }; // the largest GraphQL Int
        }
        return this.inner.getAvailableStock(ctx, productVariantId, stockLevels);
    }
    forAllocation(ctx, stockLocations, orderLine, quantity) {
        // Sales, releases and cancellations follow the allocations, so no allocation means no stock movement.
        return importedLine(orderLine) ? [] : this.inner.forAllocation(ctx, stockLocations, orderLine, quantity);
    }
    forCancellation(ctx, stockLocations, orderLine, quantity) {
        return this.inner.forCancellation(ctx, stockLocations, orderLine, quantity);
    }
    forRelease(ctx, stockLocations, orderLine, quantity) {
        return this.inner.forRelease(ctx, stockLocations, orderLine, quantity);
    }
    forSale(ctx, stockLocations, orderLine, quantity) {
        return this.inner.forSale(ctx, stockLocations, orderLine, quantity);
    }
}

const importedLineDiscount = new PromotionLineAction({
    code: 'cartmigrate_imported_line_discount',
    description: en('Historical discount of a line imported by Cartmigrate'),
    args: {},
    execute(ctx, orderLine) {
        if (!importedLine(orderLine)) {
            return 0;
        }
        // Whatever other line promotions did before this one, the line ends at its historical price.
        return orderLine.customFields.importedLinePrice - orderLine.proratedLinePrice;
    },
});

const importedOrderCondition = new PromotionCondition({
    code: 'cartmigrate_imported_order',
    description: en('The order was imported by Cartmigrate'),
    args: {},
    check: (ctx, order) => isImportedOrder(order),
});

const importedOrderChecker = new ShippingEligibilityChecker({
    code: 'cartmigrate-imported-order',
    description: en('Only orders imported by Cartmigrate'),
    args: {},
    check: (ctx, order) => isImportedOrder(order),
});

const importedShippingCalculator = new ShippingCalculator({
    code: 'cartmigrate-imported-shipping',
    description: en('Shipping price and tax of an order imported by Cartmigrate'),
    args: {},
    calculate: (ctx, order) => {
        const fields = order.customFields || {};
        const price = fields.importedShipping || 0;
        return { price, priceIncludesTax: false, taxRate: rateFor(price, fields.importedShippingTax || 0) };
    },
});

function field(name, type, label, extra = {}) {
    return { name, type, label: en(label), nullable: true, public: false, ...extra };
}

const CUSTOM_FIELDS = {
    Product: [
        field('productSku', 'string', 'Product SKU'),
        field('stockQuantity', 'int', 'Product-level stock (of a product with variants)'),
        field('stockStatus', 'string', 'Product-level stock status (in_stock, out_of_stock, backorder)'),
    ],
    ProductVariant: [field('compareAtPrice', 'int', 'Regular price while on sale (minor units)')],
    Order: [
        field('sourceOrderNumber', 'string', 'Order number on the old store'),
        field('sourceOrderDate', 'datetime', 'Order date on the old store'),
        field('importedShipping', 'int', 'Imported shipping (minor units, without tax)'),
        field('importedShippingTax', 'int', 'Imported shipping tax (minor units)'),
    ],
    OrderLine: [
        field('importedUnitPrice', 'int', 'Imported unit price before discounts (minor units, without tax)'),
        field('importedLinePrice', 'int', 'Imported line total after discounts (minor units, without tax)'),
        field('importedLineTax', 'int', 'Imported line tax (minor units)'),
    ],
};

function configure(config) {
    for (const [entity, fields] of Object.entries(CUSTOM_FIELDS)) {
        const existing = config.customFields[entity] || [];
        const names = new Set(existing.map(f => f.name));
        config.customFields[entity] = [...existing, ...fields.filter(f => !names.has(f.name))];
    }
    const orderOptions = config.orderOptions;
    orderOptions.orderItemPriceCalculationStrategy = new ImportedOrderItemPriceCalculationStrategy(
        orderOptions.orderItemPriceCalculationStrategy);
    config.taxOptions.taxLineCalculationStrategy = new ImportedTaxLineCalculationStrategy(
        config.taxOptions.taxLineCalculationStrategy);
    config.catalogOptions.stockLocationStrategy = new ImportedStockLocationStrategy(
        config.catalogOptions.stockLocationStrategy);
    config.promotionOptions.promotionActions = [...config.promotionOptions.promotionActions, importedLineDiscount];
    config.promotionOptions.promotionConditions = [
        ...config.promotionOptions.promotionConditions, importedOrderCondition];
    config.shippingOptions.shippingEligibilityCheckers = [
        ...config.shippingOptions.shippingEligibilityCheckers, importedOrderChecker];
    config.shippingOptions.shippingCalculators = [
        ...config.shippingOptions.shippingCalculators, importedShippingCalculator];
    return config;
}

class CartmigratePlugin {}
VendurePlugin({ imports: [PluginCommonModule], configuration: configure, compatibility: '^3.0.0' })(
    CartmigratePlugin);

module.exports = { CartmigratePlugin, CUSTOM_FIELDS };

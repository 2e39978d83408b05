from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Sandbox stores"

    def ready(self):
        # The sandbox stores are served by Django's own server (runserver in `make run`, LiveServerThread in
        # the tests). It keeps connections alive but leaves Nagle's algorithm on, and it writes a response's
        # headers and body separately: the body then waits for the client's delayed ACK, about 40 ms per
        # call on Linux (measured: 43 ms per keep-alive request, 0.6 ms with TCP_NODELAY). No platform
        # answers that slowly for that reason, so the emulated stores must not either.
        from django.core.servers.basehttp import WSGIRequestHandler

        WSGIRequestHandler.disable_nagle_algorithm = True

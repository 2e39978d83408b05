"""A local TLS front for third-party readers that insist on `https://<shop>.myshopify.com`.

It is an HTTPS proxy (the reader finds it through `HTTPS_PROXY`): a `CONNECT <shop>.myshopify.com:443` is
answered 200, the tunnel's TLS is terminated with a certificate for that host signed by a throw-away test CA
(trusted by the reader through `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE`, nothing system-wide), and each request
inside is forwarded over plain HTTP to the sandbox store of that shop: `https://<shop>.myshopify.com/<path>` ->
`<site>/sandbox/shopify/<shop>/<path>`. Any other host is refused (403), so nothing leaves the machine.
Created and stopped by the test that uses it; its files live in a temporary folder.
"""
from __future__ import annotations

import contextlib
import datetime
import http.client
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SHOP_DOMAIN = ".myshopify.com"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "proxy-connection", "host", "content-length"}


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_test_ca(folder: Path) -> tuple[Path, Path, Path]:
    """Write a test CA and a `*.myshopify.com` certificate it signs; answer (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Cartmigrate test CA")).issuer_name(_name("Cartmigrate test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("*" + SHOP_DOMAIN)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("*" + SHOP_DOMAIN)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


@dataclass
class TlsFront:
    """The running front: `proxy_url` for HTTPS_PROXY, `ca_file` for the reader's trust store."""

    proxy_url: str
    ca_file: Path
    requests: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _server: socketserver.ThreadingTCPServer | None = None

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


class _Inner(BaseHTTPRequestHandler):
    """One HTTP/1.1 request inside the tunnel, forwarded to the sandbox store of the tunnel's shop."""

    protocol_version = "HTTP/1.1"

    def __init__(self, sock, address, server, *, shop: str, site: str, front: TlsFront):
        self.shop, self.site, self.front = shop, site, front
        super().__init__(sock, address, server)

    def log_message(self, *args) -> None:  # quiet: the test reports what matters
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        target = urlsplit(self.site)
        path = f"{target.path.rstrip('/')}/sandbox/shopify/{self.shop}{self.path}"
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        self.front.requests.append(f"{self.command} {self.shop}{self.path.split('?')[0]}")
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        try:
            conn.request(self.command, path, body=body, headers=headers)
            answer = conn.getresponse()
            payload = answer.read()
        finally:
            conn.close()
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward


def start_tls_front(*, site: str, folder: Path) -> TlsFront:
    """Start the front on a free port of 127.0.0.1, forwarding shops to the sandbox at `site`."""
    ca_file, cert_file, key_file = make_test_ca(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    front = TlsFront(proxy_url="", ca_file=ca_file)

    class Proxy(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(65537).decode("latin-1").strip()
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # the CONNECT request's own headers
            method, _, rest = line.partition(" ")
            host, _, port = rest.partition(" ")[0].rpartition(":")
            if method != "CONNECT" or port != "443" or not host.endswith(SHOP_DOMAIN):
                front.refused.append(line)
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            self.wfile.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            self.wfile.flush()
            try:
                inner = tls.wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                front.refused.append(f"TLS handshake failed for {host}")
                return
            try:
                _Inner(inner, self.client_address, self.server, shop=host[: -len(SHOP_DOMAIN)], site=site,
                       front=front)
            except (TimeoutError, ConnectionError, ssl.SSLError):
                pass
            finally:
                with contextlib.suppress(OSError):
                    inner.close()

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="tls-front", daemon=True).start()
    front.proxy_url = f"http://127.0.0.1:{server.server_address[1]}"
    front._server = server
    return front

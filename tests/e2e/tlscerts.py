"""tlscerts: certificates made at test time for the TLS tests (python3-cryptography).

    import tlscerts
    ca = tlscerts.make_ca("test CA")
    key, cert = tlscerts.make_leaf(ca, tlscerts.name(CN="localhost"), True,
                                   tlscerts.NOW - tlscerts.DAY, tlscerts.NOW + tlscerts.DAY)
    tlscerts.write_pem(path, cert, key)

or, for a broker's ssl.certificate.file / ssl.key.file in one go:

    ca, ca_pem, cert_file, key_file = tlscerts.server_files(dir, "test CA")
"""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.utcnow()
DAY = datetime.timedelta(days=1)


def name(**kv):
    oids = {"CN": NameOID.COMMON_NAME, "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
            "O": NameOID.ORGANIZATION_NAME}
    # DER order O, OU, CN: RFC 2253 prints it reversed (CN first)
    order = [k for k in ("O", "OU", "CN") if k in kv]
    return x509.Name([x509.NameAttribute(oids[k], kv[k]) for k in order])


def make_ca(cn):
    key = ec.generate_private_key(ec.SECP256R1())
    subj = name(CN=cn)
    cert = (x509.CertificateBuilder().subject_name(subj).issuer_name(subj)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - DAY).not_valid_after(NOW + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_leaf(ca, subject, server, not_before, not_after, key=None):
    ca_key, ca_cert = ca
    key = key or ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after))
    if server:
        b = b.add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
    else:
        b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                            critical=False)
    return key, b.sign(ca_key, hashes.SHA256())


def write_pem(path, cert=None, key=None, chain=()):
    data = b""
    if cert is not None:
        data += cert.public_bytes(serialization.Encoding.PEM)
    for c in chain:
        data += c.public_bytes(serialization.Encoding.PEM)
    if key is not None:
        data += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)
    return path


def server_files(d, ca_cn):
    """A CA named ca_cn and a server certificate for localhost / 127.0.0.1
    (valid from yesterday for ten days) written to d: (ca, ca.pem,
    server.pem with the chain, server.key)."""
    ca = make_ca(ca_cn)
    ca_pem = write_pem(os.path.join(d, "ca.pem"), ca[1])
    key, cert = make_leaf(ca, name(CN="localhost"), True, NOW - DAY, NOW + 10 * DAY)
    cert_file = write_pem(os.path.join(d, "server.pem"), cert, chain=[ca[1]])
    key_file = write_pem(os.path.join(d, "server.key"), key=key)
    return ca, ca_pem, cert_file, key_file

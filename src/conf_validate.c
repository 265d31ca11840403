/*
 * conf_validate.c: ks_conf_validate() and what it checks: the secret and
 * ops auth files it reads, listeners and their security protocols, SASL
 * mechanisms, TLS keys, and the keys that must agree with each other.
 * Runs in: master (children read the resulting ks_conf_t).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"
#include "opsauth.h"

#define SECRET_FILE_MAX (64 * 1024)

/* Reads a file holding a secret; error messages name the key and the path,
 * never the contents.  Trailing newlines are stripped; multiline allows
 * newlines inside (a user:password file), else a control character is an
 * error. */
static int
read_secret_file(const char *keyname, const char *path, bool multiline, char **out, char *err, size_t errlen)
{
    struct stat st;
    char *buf;
    ssize_t n;
    size_t len = 0;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        ks_conf_seterr(err, errlen, "could not read %s \"%s\": %s", keyname, path, strerror(errno));
        return KS_ERROR;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        ks_conf_seterr(err, errlen, "could not read %s \"%s\": not a regular file", keyname, path);
        return KS_ERROR;
    }
    if (st.st_size > SECRET_FILE_MAX) {
        close(fd);
        ks_conf_seterr(err, errlen, "could not read %s \"%s\": larger than %d bytes", keyname, path, SECRET_FILE_MAX);
        return KS_ERROR;
    }
    buf = malloc(SECRET_FILE_MAX + 1);
    if (buf == NULL) {
        close(fd);
        ks_conf_seterr(err, errlen, "could not read %s \"%s\": out of memory", keyname, path);
        return KS_ERROR;
    }
    while (len < SECRET_FILE_MAX) {
        n = read(fd, buf + len, SECRET_FILE_MAX - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;

            free(buf);
            close(fd);
            ks_conf_seterr(err, errlen, "could not read %s \"%s\": %s", keyname, path, strerror(e));
            return KS_ERROR;
        }
        if (n == 0) {
            break;
        }
        len += (size_t) n;
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        len--;
    }
    buf[len] = '\0';
    if (len == 0) {
        free(buf);
        ks_conf_seterr(err, errlen, "%s \"%s\" is empty", keyname, path);
        return KS_ERROR;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char) buf[i] < ' ' && buf[i] != '\t' && !(multiline && (buf[i] == '\n' || buf[i] == '\r'))) {
            free(buf);
            ks_conf_seterr(err, errlen, "%s \"%s\" contains a control character", keyname, path);
            return KS_ERROR;
        }
    }
    *out = buf;
    return KS_OK;
}

static int
load_secret(ks_conf_t *c, const char *file_key, const char *value_key, char *err, size_t errlen)
{
    const ks_conf_key_t *fk = ks_conf_find_key(file_key), *vk = ks_conf_find_key(value_key);
    const char *path = *ks_conf_field_str(c, fk);
    char *secret;
    char **f;

    if (path[0] == '\0' || c->origin[ks_conf_key_index(fk)] < c->origin[ks_conf_key_index(vk)]) {
        return KS_OK;
    }
    if (read_secret_file(file_key, path, false, &secret, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    f = ks_conf_field_str(c, vk);
    free(*f);
    *f = secret;
    c->origin[ks_conf_key_index(vk)] = c->origin[ks_conf_key_index(fk)];
    return KS_OK;
}

/* Reads the ops.auth.* files into the fields that are not keys. */
static int
load_ops_auth(ks_conf_t *c, char *err, size_t errlen)
{
    char *token = NULL, *basic = NULL;

    if (c->ops_auth_token_file[0] != '\0'
        && read_secret_file("ops.auth.token.file", c->ops_auth_token_file, false, &token, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    if (c->ops_auth_basic_file[0] != '\0') {
        char why[256];

        if (read_secret_file("ops.auth.basic.file", c->ops_auth_basic_file, true, &basic, err, errlen) != KS_OK) {
            free(token);
            return KS_ERROR;
        }
        if (ks_opsauth_check_basic(basic, why, sizeof(why)) < 0) {
            ks_conf_seterr(err, errlen, "ops.auth.basic.file \"%s\": %s", c->ops_auth_basic_file, why);
            free(token);
            free(basic);
            return KS_ERROR;
        }
    }
    free(c->ops_auth_token);
    c->ops_auth_token = token != NULL ? token : ks_conf_xstrdup("");
    free(c->ops_auth_basic);
    c->ops_auth_basic = basic != NULL ? basic : ks_conf_xstrdup("");
    return KS_OK;
}

/* 127.0.0.0/8, ::1 (also as ::ffff:127.x.x.x) and localhost. */
static bool
is_loopback_host(const char *h)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (strcasecmp(h, "localhost") == 0) {
        return true;
    }
    if (inet_pton(AF_INET, h, &a4) == 1) {
        return (ntohl(a4.s_addr) >> 24) == 127;
    }
    if (inet_pton(AF_INET6, h, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6)) {
            return true;
        }
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return false;
}

static bool
is_wildcard_host(const char *h)
{
    return strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0 || h[0] == '\0';
}

static const char *const security_names[] = { "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" };

const char *
ks_security_name(int proto)
{
    return proto >= 0 && proto < 4 ? security_names[proto] : "UNKNOWN";
}

static int
security_from(const char *s, size_t len)
{
    for (int i = 0; i < 4; i++) {
        if (strlen(security_names[i]) == len && strncasecmp(s, security_names[i], len) == 0) {
            return i;
        }
    }
    return -1;
}

int
ks_conf_listener_security(const ks_conf_t *c, const char *name)
{
    const char *p = c->listener_security_protocol_map != NULL ? c->listener_security_protocol_map : "";
    size_t nlen = strlen(name);

    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *e = comma != NULL ? comma : p + strlen(p);
        const char *colon;

        while (p < e && ks_conf_is_space(*p)) {
            p++;
        }
        colon = memchr(p, ':', (size_t) (e - p));
        if (colon != NULL) {
            const char *n_end = colon, *v = colon + 1, *v_end = e;
            while (n_end > p && ks_conf_is_space(n_end[-1])) {
                n_end--;
            }
            while (v < v_end && ks_conf_is_space(*v)) {
                v++;
            }
            while (v_end > v && ks_conf_is_space(v_end[-1])) {
                v_end--;
            }
            if ((size_t) (n_end - p) == nlen && strncasecmp(p, name, nlen) == 0) {
                return security_from(v, (size_t) (v_end - v));
            }
        }
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    return security_from(name, nlen);
}

static const char *const sasl_mech_names[] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" };

int
ks_conf_sasl_mechanisms(const char *list, char *err, size_t errlen)
{
    const char *p = list != NULL ? list : "";
    int mask = 0;

    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma != NULL ? comma : p + strlen(p);
        const char *b = p;
        int found = -1;

        while (b < e && ks_conf_is_space(*b)) {
            b++;
        }
        while (e > b && ks_conf_is_space(e[-1])) {
            e--;
        }
        for (int i = 0; i < (int) KS_ARRAY_LEN(sasl_mech_names); i++) {
            if (strlen(sasl_mech_names[i]) == (size_t) (e - b) && memcmp(sasl_mech_names[i], b, (size_t) (e - b)) == 0) {
                found = i;
            }
        }
        if (found < 0) {
            ks_conf_seterr(err, errlen, "sasl.enabled.mechanisms: \"%.*s\" is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
                   (int) KS_MIN((size_t) (e - b), (size_t) KS_CONF_SHOW_MAX), b);
            return -1;
        }
        if (mask & (1 << found)) {
            ks_conf_seterr(err, errlen, "sasl.enabled.mechanisms: %s is given twice", sasl_mech_names[found]);
            return -1;
        }
        mask |= 1 << found;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    return mask;
}

/* Every entry NAME:PROTOCOL with a known protocol. */
static int
check_security_map(const char *map, char *err, size_t errlen)
{
    const char *p = map;

    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *e = comma != NULL ? comma : p + strlen(p);
        const char *colon = memchr(p, ':', (size_t) (e - p));
        const char *v;
        int ilen = (int) KS_MIN((size_t) (e - p), (size_t) KS_CONF_SHOW_MAX);

        if (colon == NULL || colon == p) {
            ks_conf_seterr(err, errlen, "listener.security.protocol.map: \"%.*s\": expected NAME:PROTOCOL", ilen, p);
            return KS_ERROR;
        }
        v = colon + 1;
        while (v < e && ks_conf_is_space(*v)) {
            v++;
        }
        const char *v_end = e;
        while (v_end > v && ks_conf_is_space(v_end[-1])) {
            v_end--;
        }
        if (security_from(v, (size_t) (v_end - v)) < 0) {
            ks_conf_seterr(err, errlen, "listener.security.protocol.map: \"%.*s\": unknown protocol "
                   "(PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)", ilen, p);
            return KS_ERROR;
        }
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    return KS_OK;
}

int
ks_conf_tls_protocols(const char *s, bool *tls12, bool *tls13, char *err, size_t errlen)
{
    const char *p = s;

    *tls12 = *tls13 = false;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *e = comma != NULL ? comma : p + strlen(p);
        size_t n;

        while (p < e && ks_conf_is_space(*p)) {
            p++;
        }
        while (e > p && ks_conf_is_space(e[-1])) {
            e--;
        }
        n = (size_t) (e - p);
        if (n == 7 && strncasecmp(p, "TLSv1.2", 7) == 0) {
            *tls12 = true;
        } else if (n == 7 && strncasecmp(p, "TLSv1.3", 7) == 0) {
            *tls13 = true;
        } else if (n > 0) {
            bool old = (n >= 5 && strncasecmp(p, "SSLv", 4) == 0)
                       || (n == 5 && strncasecmp(p, "TLSv1", 5) == 0)
                       || (n == 7 && strncasecmp(p, "TLSv1.", 6) == 0 && (p[6] == '0' || p[6] == '1'));
            ks_conf_seterr(err, errlen, "ssl.enabled.protocols: \"%.*s\" %s", (int) KS_MIN(n, (size_t) KS_CONF_SHOW_MAX), p,
                   old ? "is not allowed: TLS 1.2 is the oldest version accepted"
                       : "is not a TLS version (TLSv1.2 or TLSv1.3)");
            return KS_ERROR;
        }
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    if (!*tls12 && !*tls13) {
        ks_conf_seterr(err, errlen, "ssl.enabled.protocols names no version (TLSv1.2, TLSv1.3)");
        return KS_ERROR;
    }
    return KS_OK;
}

/* What SSL and SASL_SSL listeners need; the files themselves are loaded
 * (and the key checked against the certificate) by the broker at start-up. */
static int
check_tls(const ks_conf_t *c, const ks_listener_t *l, int nl, char *err, size_t errlen)
{
    bool tls12, tls13, any = false;

    if (ks_conf_tls_protocols(c->ssl_enabled_protocols, &tls12, &tls13, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    for (int i = 0; i < nl; i++) {
        int sec = ks_conf_listener_security(c, l[i].name);

        if (sec != KS_SEC_SSL && sec != KS_SEC_SASL_SSL) {
            continue;
        }
        any = true;
        if (c->ssl_certificate_file[0] == '\0' || c->ssl_key_file[0] == '\0') {
            if (strcasecmp(l[i].name, ks_security_name(sec)) == 0) {
                ks_conf_seterr(err, errlen, "listener %s needs ssl.certificate.file and ssl.key.file", l[i].name);
            } else {
                ks_conf_seterr(err, errlen, "listener %s (%s) needs ssl.certificate.file and ssl.key.file",
                       l[i].name, ks_security_name(sec));
            }
            return KS_ERROR;
        }
    }
    if (any && strcmp(c->ssl_client_auth, "none") != 0 && c->ssl_ca_file[0] == '\0') {
        ks_conf_seterr(err, errlen, "ssl.client.auth = %s needs ssl.ca.file (the CAs client certificates must chain to)",
               c->ssl_client_auth);
        return KS_ERROR;
    }
    return KS_OK;
}

int
ks_conf_validate(ks_conf_t *c, char *err, size_t errlen)
{
    ks_listener_t l[KS_CONF_MAX_LISTENERS], a[KS_CONF_MAX_LISTENERS];
    const ks_conf_key_t *k;
    char why[256];
    int nl, na;

    if (load_secret(c, "etcd.password.file", "etcd.password", err, errlen) != KS_OK
        || load_secret(c, "s3.access.key.file", "s3.access.key", err, errlen) != KS_OK
        || load_secret(c, "s3.secret.key.file", "s3.secret.key", err, errlen) != KS_OK
        || load_secret(c, "ssl.key.password.file", "ssl.key.password", err, errlen) != KS_OK
        || load_ops_auth(c, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    if (c->ops_listen[0] != '\0' && c->ops_auth_token[0] == '\0' && c->ops_auth_basic[0] == '\0') {
        char host[256];

        if (ks_conf_parse_hostport(c->ops_listen, strlen(c->ops_listen), host, sizeof(host), why, sizeof(why)) >= 0
            && !is_loopback_host(host)) {
            ks_conf_seterr(err, errlen, "ops.listen %s is not a loopback address: set ops.auth.token.file or "
                   "ops.auth.basic.file so that the ops endpoint requires authentication, or listen on "
                   "127.0.0.1", c->ops_listen);
            return KS_ERROR;
        }
    }

    k = ks_conf_find_key("metadata.store");
    if (c->origin[ks_conf_key_index(k)] <= KS_CONF_SRC_DERIVED) {
        ks_conf_set_key(c, k, c->etcd_endpoints[0] != '\0' ? "etcd" : "embedded", KS_CONF_SRC_DERIVED, NULL, 0);
    }
    k = ks_conf_find_key("object.store");
    if (c->origin[ks_conf_key_index(k)] <= KS_CONF_SRC_DERIVED) {
        ks_conf_set_key(c, k, c->s3_bucket[0] != '\0' ? "s3" : "file", KS_CONF_SRC_DERIVED, NULL, 0);
    }

    if (strcmp(c->metadata_store, "etcd") == 0) {
        const char *p = c->etcd_endpoints;

        if (p[0] == '\0') {
            ks_conf_seterr(err, errlen, "metadata.store = etcd needs etcd.endpoints");
            return KS_ERROR;
        }
        for (;;) {
            const char *comma = strchr(p, ',');
            const char *e = comma != NULL ? comma : p + strlen(p);

            while (p < e && ks_conf_is_space(*p)) {
                p++;
            }
            while (e > p && ks_conf_is_space(e[-1])) {
                e--;
            }
            if (p == e) {
                ks_conf_seterr(err, errlen, "etcd.endpoints \"%.*s\" has an empty entry", KS_CONF_SHOW_MAX, c->etcd_endpoints);
                return KS_ERROR;
            }
            if (comma == NULL) {
                break;
            }
            p = comma + 1;
        }
    }

    if (strcmp(c->object_store, "s3") == 0 || strcmp(c->object_store, "libs3") == 0) {
#ifndef HAVE_LIBS3
        if (strcmp(c->object_store, "libs3") == 0) {
            ks_conf_seterr(err, errlen, "object.store = libs3 is not available: kafscaled was built without libs3");
            return KS_ERROR;
        }
#endif
        if (c->s3_bucket[0] == '\0') {
            ks_conf_seterr(err, errlen, "object.store = %s needs s3.bucket", c->object_store);
            return KS_ERROR;
        }
        if ((c->s3_access_key[0] == '\0') != (c->s3_secret_key[0] == '\0')) {
            ks_conf_seterr(err, errlen, "%s is set but %s is not",
                   c->s3_access_key[0] != '\0' ? "s3.access.key" : "s3.secret.key",
                   c->s3_access_key[0] != '\0' ? "s3.secret.key" : "s3.access.key");
            return KS_ERROR;
        }
        if (strcmp(c->object_store, "s3") == 0 && c->s3_endpoint[0] != '\0'
            && strncmp(c->s3_endpoint, "http://", 7) != 0 && strncmp(c->s3_endpoint, "https://", 8) != 0) {
            ks_conf_seterr(err, errlen, "s3.endpoint \"%.*s\" must start with http:// or https://",
                   KS_CONF_SHOW_MAX, c->s3_endpoint);
            return KS_ERROR;
        }
    }

    nl = ks_conf_parse_listeners(c->listeners, l, KS_CONF_MAX_LISTENERS, why, sizeof(why));
    if (nl <= 0) {
        ks_conf_seterr(err, errlen, "listeners: %s", nl == 0 ? "at least one listener is needed" : why);
        return KS_ERROR;
    }
    if (check_security_map(c->listener_security_protocol_map, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    for (int i = 0; i < nl; i++) {
        if (ks_conf_listener_security(c, l[i].name) < 0) {
            ks_conf_seterr(err, errlen, "listener \"%s\" has no security protocol: name it PLAINTEXT, SSL, "
                   "SASL_PLAINTEXT or SASL_SSL, or map it in listener.security.protocol.map", l[i].name);
            return KS_ERROR;
        }
    }
    if (ks_conf_sasl_mechanisms(c->sasl_enabled_mechanisms, err, errlen) < 0) {
        return KS_ERROR;
    }
    if (check_tls(c, l, nl, err, errlen) != KS_OK) {
        return KS_ERROR;
    }
    na = ks_conf_parse_listeners(c->advertised_listeners, a, KS_CONF_MAX_LISTENERS, why, sizeof(why));
    if (na < 0) {
        ks_conf_seterr(err, errlen, "advertised.listeners: %s", why);
        return KS_ERROR;
    }
    for (int i = 0; i < na; i++) {
        bool found = false;

        for (int j = 0; j < nl; j++) {
            found = found || strcasecmp(a[i].name, l[j].name) == 0;
        }
        if (!found) {
            ks_conf_seterr(err, errlen, "advertised.listeners names \"%s\", which is not in listeners", a[i].name);
            return KS_ERROR;
        }
        if (is_wildcard_host(a[i].host) || a[i].port == 0) {
            ks_conf_seterr(err, errlen, "advertised.listeners: \"%s\" needs a host clients can connect to and a port",
                   a[i].name);
            return KS_ERROR;
        }
    }

    if (c->group_min_session_timeout_ms > c->group_max_session_timeout_ms) {
        ks_conf_seterr(err, errlen, "group.min.session.timeout.ms (%" PRId64 ") is larger than "
               "group.max.session.timeout.ms (%" PRId64 ")",
               c->group_min_session_timeout_ms, c->group_max_session_timeout_ms);
        return KS_ERROR;
    }
    if (c->flush_bytes > c->ring_bytes) {
        ks_conf_seterr(err, errlen, "flush.bytes (%" PRId64 ") is larger than ring.bytes (%" PRId64 ")",
               c->flush_bytes, c->ring_bytes);
        return KS_ERROR;
    }
    if (c->message_max_bytes > c->ring_bytes / 2) {
        ks_conf_seterr(err, errlen, "ring.bytes (%" PRId64 ") must be at least twice message.max.bytes (%" PRId64 ")",
               c->ring_bytes, c->message_max_bytes);
        return KS_ERROR;
    }
    if (c->message_max_bytes > c->socket_request_max_bytes) {
        ks_conf_seterr(err, errlen, "message.max.bytes (%" PRId64 ") is larger than socket.request.max.bytes (%" PRId64 ")",
               c->message_max_bytes, c->socket_request_max_bytes);
        return KS_ERROR;
    }
    if (c->daemon && c->data_dir[0] != '/') {
        ks_conf_seterr(err, errlen, "data.dir \"%.*s\" must be an absolute path when daemon = true", KS_CONF_SHOW_MAX, c->data_dir);
        return KS_ERROR;
    }
    if (c->daemon && c->pid_file[0] != '\0' && c->pid_file[0] != '/') {
        ks_conf_seterr(err, errlen, "pid.file \"%.*s\" must be an absolute path when daemon = true", KS_CONF_SHOW_MAX, c->pid_file);
        return KS_ERROR;
    }
    return KS_OK;
}

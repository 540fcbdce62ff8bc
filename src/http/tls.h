/* tls: the certificate and key hartline serves HTTPS with (serve
 * --tls-cert FILE --tls-key FILE), read and checked before the server
 * starts so that a wrong file is named in words rather than found at the
 * first connection. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct http_tls {
	char *cert; /* the certificate chain as read, NUL-terminated */
	char *key;  /* the private key as read, NUL-terminated */
	int64_t expires; /* the server certificate's end of validity, seconds since 1970 */
	char subject[256]; /* whom the certificate names, for the log */
	int key_shared;    /* the key file is open to its group or others: the caller warns */
};

/* Read the certificate chain at cert_path and the private key at
 * key_path, and check that the key is the certificate's. 0, or ERR_IO
 * (missing, unreadable) or ERR_INVAL (not a certificate, not a key, a key
 * with a passphrase, a key of another certificate) with a sentence for the
 * operator in err naming the file and what to do. A certificate out of
 * date still loads: the caller warns (http_tls_expired). */
int http_tls_load(const char *cert_path, const char *key_path, struct http_tls *out, char *err, size_t errsize);

/* Whether the certificate's validity ended before now (seconds since 1970). */
int http_tls_expired(const struct http_tls *t, int64_t now_s);

/* Whether libmicrohttpd was built with TLS. */
int http_tls_supported(void);

/* Forget the key (wiped) and the certificate. */
void http_tls_free(struct http_tls *t);

/* tls: read and check the server's certificate and key with GnuTLS, the
 * library libmicrohttpd serves TLS with. */
#include "http/tls.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"

#define TLS_FILE_MAX (1 << 20) /* a certificate chain or a key is a few kilobytes */

/* The whole of path, NUL-terminated, into *ret. */
static int read_whole(const char *opt, const char *path, char **ret, char *err, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		if (e == ENOENT)
			snprintf(err, errsize, "--%s %s: there is no such file; give the path of the %s", opt, path,
				 strcmp(opt, "tls-cert") == 0 ? "certificate file" : "certificate's private key");
		else
			snprintf(err, errsize, "--%s %s: cannot be opened (%s); make it readable by the account "
				 "hartline runs as", opt, path, strerror(e));
		return ERR_IO;
	}
	char *data = malloc(TLS_FILE_MAX + 1);
	size_t n = data ? fread(data, 1, TLS_FILE_MAX + 1, f) : 0;
	int failed = data && ferror(f) ? errno : 0;
	fclose(f);
	if (!data) {
		snprintf(err, errsize, "--%s %s: out of memory reading it", opt, path);
		return ERR_NOMEM;
	}
	if (failed || n > TLS_FILE_MAX) {
		snprintf(err, errsize, "--%s %s: cannot be read (%s)", opt, path,
			 failed ? strerror(failed) : "larger than 1 MiB: not a certificate or key file");
		free(data);
		return ERR_IO;
	}
	data[n] = '\0';
	*ret = data;
	return 0;
}

/* The certificate's subject and end of validity into t; ERR_INVAL when the
 * text holds no certificate. Checks the key against the first one, the
 * server's own. */
static int check_pair(const char *cert_path, const char *key_path, struct http_tls *t, char *err, size_t errsize)
{
	gnutls_datum_t cd = {(unsigned char *)t->cert, (unsigned)strlen(t->cert)};
	gnutls_datum_t kd = {(unsigned char *)t->key, (unsigned)strlen(t->key)};
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrts = 0;
	if (gnutls_x509_crt_list_import2(&crts, &ncrts, &cd, GNUTLS_X509_FMT_PEM, 0) < 0 || ncrts == 0) {
		snprintf(err, errsize, "--tls-cert %s: holds no certificate; give the certificate file, the one that "
			 "begins with -----BEGIN CERTIFICATE----- (with its chain after it, if the issuer sent one)",
			 cert_path);
		return ERR_INVAL;
	}
	gnutls_x509_privkey_t key = NULL;
	int r = gnutls_x509_privkey_init(&key);
	if (r >= 0)
		r = gnutls_x509_privkey_import2(key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0);
	int ret = 0;
	if (r == GNUTLS_E_DECRYPTION_FAILED || strstr(t->key, "ENCRYPTED")) {
		snprintf(err, errsize, "--tls-key %s: the key is locked with a passphrase, which hartline cannot ask "
			 "for at start; write it out without one (openssl pkey -in OLD -out NEW) and make it readable "
			 "by the account hartline runs as alone", key_path);
		ret = ERR_INVAL;
	} else if (r < 0) {
		snprintf(err, errsize, "--tls-key %s: holds no private key; give the key file, the one that begins "
			 "with -----BEGIN PRIVATE KEY----- (or BEGIN RSA PRIVATE KEY, BEGIN EC PRIVATE KEY)", key_path);
		ret = ERR_INVAL;
	} else {
		unsigned char a[64], b[64];
		size_t na = sizeof a, nb = sizeof b;
		if (gnutls_x509_crt_get_key_id(crts[0], GNUTLS_KEYID_USE_SHA256, a, &na) < 0 ||
		    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b, &nb) < 0 || na != nb ||
		    memcmp(a, b, na) != 0) {
			snprintf(err, errsize, "--tls-key %s is not the key of the certificate in --tls-cert %s; give "
				 "the key the certificate was issued for (the two are made together)", key_path,
				 cert_path);
			ret = ERR_INVAL;
		}
	}
	if (ret == 0) {
		t->expires = (int64_t)gnutls_x509_crt_get_expiration_time(crts[0]);
		size_t n = sizeof t->subject;
		if (gnutls_x509_crt_get_dn(crts[0], t->subject, &n) < 0)
			t->subject[0] = '\0';
	}
	if (key)
		gnutls_x509_privkey_deinit(key);
	for (unsigned i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return ret;
}

int http_tls_load(const char *cert_path, const char *key_path, struct http_tls *out, char *err, size_t errsize)
{
	struct http_tls t;
	memset(&t, 0, sizeof t);
	int r = read_whole("tls-cert", cert_path, &t.cert, err, errsize);
	if (r == 0)
		r = read_whole("tls-key", key_path, &t.key, err, errsize);
	if (r == 0)
		r = check_pair(cert_path, key_path, &t, err, errsize);
	struct stat st;
	if (r == 0 && stat(key_path, &st) == 0 && (st.st_mode & 077))
		t.key_shared = 1;
	if (r < 0) {
		http_tls_free(&t);
		return r;
	}
	*out = t;
	return 0;
}

int http_tls_expired(const struct http_tls *t, int64_t now_s)
{
	return t->expires > 0 && t->expires < now_s;
}

int http_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

void http_tls_free(struct http_tls *t)
{
	if (t->key) {
		sodium_memzero(t->key, strlen(t->key));
		free(t->key);
	}
	free(t->cert);
	memset(t, 0, sizeof *t);
}

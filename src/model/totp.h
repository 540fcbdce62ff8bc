/* totp: time-based one-time codes (RFC 6238 over HOTP, RFC 4226), as an
 * authenticator app computes them: HMAC-SHA1, 6 digits, 30-second steps.
 *
 * The secret is 20 random bytes, shown to the person as 32 base32
 * letters (and inside an otpauth:// address for the QR code). A code is
 * accepted for the current step and one step either side, so a phone a
 * little fast or slow still works; the caller keeps the last accepted
 * step and passes it as `after`, so that no code is accepted twice. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_BYTES 20
#define TOTP_SECRET_TEXT_SIZE 33 /* 32 base32 letters and a NUL */
#define TOTP_WINDOW 1            /* steps accepted either side of now */

/* Once per process, before any other call. */
int totp_init(void);

/* The base32 text of a secret. */
int totp_secret_text(const unsigned char secret[TOTP_SECRET_BYTES], char out[TOTP_SECRET_TEXT_SIZE]);
/* The secret of its base32 text; ERR_PARSE unless it is one. */
int totp_secret_parse(const char *text, unsigned char out[TOTP_SECRET_BYTES]);

/* The code for step (seconds since 1970 divided by TOTP_STEP_SECONDS). */
int totp_code(const unsigned char secret[TOTP_SECRET_BYTES], int64_t step, char out[TOTP_DIGITS + 1]);

/* The step, within TOTP_WINDOW of step and later than after, whose code is
 * code. ERR_AUTH when there is none (a wrong code, one too old or too new,
 * or one already used); ERR_INVAL when code is not six digits. */
int totp_check(const unsigned char secret[TOTP_SECRET_BYTES], const char *code, int64_t step, int64_t after,
	       int64_t *ret_step);

/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&... for the QR
 * code. ERR_TOOBIG when it does not fit. */
int totp_uri(const char *issuer, const char *account, const char *secret_text, char *out, size_t size);

/* err: the error codes every module returns.
 *
 * A function that can fail returns int: 0 on success, one of these negative
 * codes on failure. Output parameters (ret_*) are written only on success. */
#pragma once

enum {
	ERR_OK = 0,
	ERR_NOMEM = -1,    /* out of memory */
	ERR_INVAL = -2,    /* invalid argument or input */
	ERR_NOTFOUND = -3, /* no such object */
	ERR_EXISTS = -4,   /* already exists */
	ERR_TOOBIG = -5,   /* over a size or count limit */
	ERR_IO = -6,       /* file or socket error */
	ERR_DB = -7,       /* database error */
	ERR_CONFLICT = -8, /* stale version or illegal transition */
	ERR_PERM = -9,     /* not permitted */
	ERR_AUTH = -10,    /* not authenticated */
	ERR_SCHEMA = -11,  /* database schema newer than this program */
	ERR_PARSE = -12,   /* malformed input (JSON, CSV, URL) */
	ERR_BUSY = -13,    /* resource busy; try again */
	ERR_RESTRICTED = -14, /* restricted by a court's order: break the glass to read it */
};

/* A short English description of code ("out of memory"). */
const char *err_str(int code);

#include "base/err.h"

const char *err_str(int code)
{
	switch (code) {
	case ERR_OK: return "ok";
	case ERR_NOMEM: return "out of memory";
	case ERR_INVAL: return "invalid input";
	case ERR_NOTFOUND: return "not found";
	case ERR_EXISTS: return "already exists";
	case ERR_TOOBIG: return "too big";
	case ERR_IO: return "input/output error";
	case ERR_DB: return "database error";
	case ERR_CONFLICT: return "conflict";
	case ERR_PERM: return "not permitted";
	case ERR_AUTH: return "not authenticated";
	case ERR_SCHEMA: return "database schema is newer than this program";
	case ERR_PARSE: return "malformed input";
	case ERR_BUSY: return "busy";
	case ERR_RESTRICTED: return "restricted record";
	}
	return "unknown error";
}

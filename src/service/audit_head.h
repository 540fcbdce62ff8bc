/* audit_head: the audit chain's head kept outside the database.
 *
 * The file hartline.audit-head beside the key file, mode 0600, gets one
 * line "SEQ MAC" each time a transaction that appended audit records
 * commits: the last record's number and MAC. Someone who can write the
 * database but not this directory cannot make the file forget records, so
 * records removed from the end of the chain, or a chain rewritten from some
 * record on, no longer match its last line. Lines are appended with one
 * write(2) each (several processes may append); they reach the disk with
 * fdatasync at most once a second, and when the file is closed. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/crypto.h"

#define AUDIT_HEAD_FILE_NAME "hartline.audit-head"

/* A head: seq 0 when there is none. */
struct audit_head {
	int64_t seq;
	char mac[CRYPTO_HASH_HEX_SIZE];
};

struct audit_head_file;

/* The head file beside key_file. Caller frees. */
int audit_head_path(const char *key_file, char **ret);

/* The last complete line of the file at path. *ret_exists false (and seq 0)
 * when there is no file; seq 0 when it holds no line yet. ERR_PARSE when
 * the last line is not a head; ERR_PERM when group or others may use it. */
int audit_head_read(const char *path, struct audit_head *ret, bool *ret_exists);

/* Open path for appending, creating it (mode 0600) when missing;
 * *ret_created says so. A message that names the file on failure. */
int audit_head_open(const char *path, struct audit_head_file **ret, bool *ret_created, char *errmsg, size_t errsize);

/* The last head in the file, whichever process wrote it. */
int audit_head_last(struct audit_head_file *f, struct audit_head *ret);

/* Append the head seq, mac. A head below one this process wrote already is
 * skipped unless force (threads commit in order but may get here out of
 * order). */
int audit_head_append(struct audit_head_file *f, int64_t seq, const char *mac, bool force);

const char *audit_head_file_path(const struct audit_head_file *f);

/* Sync and close. NULL is fine. */
void audit_head_close(struct audit_head_file *f);

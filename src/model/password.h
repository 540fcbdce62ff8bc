/* password: the rules a staff password must meet before it is stored.
 *
 * The rules follow NIST SP 800-63B: a minimum length counted in characters
 * (UTF-8 code points, so a passphrase in any script is measured fairly), a
 * maximum length in bytes to bound the work of hashing, and a list of
 * passwords attackers try first (data/common-passwords.txt, compiled into the
 * binary). There are no composition rules ("one digit, one symbol"): they make
 * passwords harder to remember without making them harder to guess.
 *
 * Everything here is a pure function of its arguments: no I/O, no allocation,
 * no global state. */
#pragma once

#include <stddef.h>

/* Minimum length in characters (UTF-8 code points): 12. Maximum 256 bytes. */
#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 256

/* ---- checking ---- */

/* 0 when password is acceptable for username; otherwise ERR_INVAL, and a
 * reason for a person, to follow the word "Password", in reason (e.g. "must
 * be at least 12 characters", "is on the list of common passwords", "must not
 * contain the username", "is too long (at most 256 bytes)", "is not valid
 * UTF-8", "must not be a single repeated character"). The reason is cut to
 * fit reasonsize and always NUL-terminated; reason may be NULL, and it is not
 * touched when the password is acceptable.
 *
 * The rules, in the order they are checked: at most PASSWORD_MAX_BYTES bytes;
 * valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF);
 * at least PASSWORD_MIN_CHARS code points; not one character repeated (ASCII
 * letters compared without case); not containing username, compared without
 * case, when username has 3 or more characters (username may be NULL); not on
 * the list.
 *
 * list/list_len: the common-password list file (lines; '#' comments; compared
 * case-insensitively, ASCII folding). Lines may end in "\n" or "\r\n";
 * trailing spaces and tabs, blank lines and lines starting with '#' are
 * ignored. The list need not be NUL-terminated; it is scanned on each call.
 * list may be NULL when list_len is 0. */
int password_check(const char *username, const char *password, const char *list, size_t list_len, char *reason,
                   size_t reasonsize);

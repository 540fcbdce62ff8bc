/* embed: files compiled into the binary (web UI, default pack, migrations).
 *
 * tools/embed.c writes each table at build time; a table ends with an entry
 * whose name is NULL. Every file's data is followed by a NUL byte that is not
 * counted in size, so text can be used as a C string. */
#pragma once

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data;
	size_t size;
};

/* The entry called name in table, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

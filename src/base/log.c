#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_init_from_env(void)
{
	const char *v = getenv("HARTLINE_LOG");
	if (!v)
		return;
	if (strcmp(v, "debug") == 0)
		min_level = LOG_DEBUG;
	else if (strcmp(v, "info") == 0)
		min_level = LOG_INFO;
	else if (strcmp(v, "warn") == 0)
		min_level = LOG_WARN;
	else if (strcmp(v, "error") == 0)
		min_level = LOG_ERROR;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error"};
	if (level < min_level)
		return;
	char line[2048];
	char ts[32];
	if (time_format(now(), ts, sizeof ts) < 0)
		ts[0] = '\0';
	int n = snprintf(line, sizeof line, "%s %s %s ", ts, names[level], event);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
	va_end(ap);
	if (m > 0)
		len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
	/* Keep one event on one line whatever the values hold. */
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

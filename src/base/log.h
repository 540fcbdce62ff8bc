/* log: one line per event on standard error.
 *
 *   2026-11-28T18:40:00Z info http method=GET path=/healthz status=200 ms=0.4
 *
 * The time, the level, a one-word event, then key=value pairs written by the
 * caller. Each line goes out in a single write(2), so lines from worker
 * threads never interleave. Only main, the CLI and HTTP handlers log;
 * library code returns errors. Never log a child's personal data. */
#pragma once

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below level are dropped. Default LOG_INFO, or HARTLINE_LOG
 * (debug, info, warn, error) when set. */
void log_set_level(enum log_level level);
void log_init_from_env(void);

void log_event(enum log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(ev, ...) log_event(LOG_DEBUG, ev, __VA_ARGS__)
#define log_info(ev, ...) log_event(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_event(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_event(LOG_ERROR, ev, __VA_ARGS__)

/* bare_mhd: libmicrohttpd answering `{}` to every request, with the
 * daemon options hartline's server uses (src/http/server.c: its own
 * polling threads, a pool of one per core, at most 1,000 connections,
 * a 30 s timeout): the yardstick of the request-path benchmark
 * (bench/request). Prints "listening PORT" when it answers, and stops on
 * SIGTERM or SIGINT.
 *
 *   bare_mhd [PORT] [THREADS]
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"

static struct MHD_Response *answer;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)data;
	/* The first call is for the headers; answer on the second, as a
	 * server that reads the request does. */
	if (!*con_cls) {
		*con_cls = conn;
		return MHD_YES;
	}
	*size = 0;
	return MHD_queue_response(conn, MHD_HTTP_OK, answer);
}

int main(int argc, char **argv)
{
	int64_t port = 8090, threads = sysconf(_SC_NPROCESSORS_ONLN);
	if ((argc > 1 && str_to_int64(argv[1], 0, 65535, &port) < 0) ||
	    (argc > 2 && str_to_int64(argv[2], 1, 256, &threads) < 0)) {
		fprintf(stderr, "usage: bare_mhd [PORT] [THREADS]\n");
		return 2;
	}
	if (threads < 1)
		threads = 1;
	answer = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	if (!answer || MHD_add_response_header(answer, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES)
		return 1;
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_Daemon *d = MHD_start_daemon(
	        flags, (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
	        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot listen on port %lld\n", (long long)port);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening %u\n", di ? di->port : (unsigned)port);
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(answer);
	return 0;
}

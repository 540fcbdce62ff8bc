/* thread: the threads hartline starts for its own work (the database's
 * writer and checkpoints, the listener, background workers, loaders). */
#pragma once

#include <pthread.h>

/* pthread_create, with every signal a process is sent blocked in the new
 * thread (a thread inherits the mask in force while it is made; the
 * faults a thread causes itself still reach it). A signal sent to the
 * process, such as the SIGTERM that stops the server, then always goes to
 * a thread that waits for it (`hartline serve`'s sigwait), never to one of
 * these, where its default action would end the process at once. 0, or
 * pthread_create's error number. */
int thread_start(pthread_t *ret, void *(*fn)(void *), void *arg);

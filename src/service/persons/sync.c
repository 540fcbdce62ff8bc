/* sync.c: the identity registry kept up with writes made through any
 * server (docs/operations.md, "More than one server"). Each write of a
 * person marks it with a new seq (migration 0026); a server reads the rows
 * marked since the last seq it saw and puts their merge groups in its
 * registry as they now stand. On PostgreSQL each marking transaction also
 * notifies PERSONS_CHANNEL, and a listener per server counts the
 * notifications: while it listens, a lookup reads the database only when
 * something changed. On SQLite, or while the listener is down, every
 * lookup asks (one read of an index). */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "db/db.h"
#include "service/app.h"
#include "service/persons.h"
#include "service/persons/persons_int.h"

int persons_seq_mark(struct db *db, int64_t id)
{
	int64_t seq;
	int r = db_int64f(db, &seq, "UPDATE person_seq SET last = last + 1 WHERE id = 1 RETURNING last", "");
	/* The counter row is the migration's: without it, the database's fault. */
	if (r == ERR_NOTFOUND)
		return ERR_DB;
	if (r == 0)
		r = db_execf(db, "UPDATE person SET seq = ? WHERE id = ?", "ii", seq, id);
	return r < 0 ? r : db_notify(db, PERSONS_CHANNEL);
}

void persons_registry_changed(struct app *app)
{
	if (app->registry)
		atomic_fetch_add(&app->registry->changes, 1);
}

static void on_notify(void *arg)
{
	persons_registry_changed(arg);
}

int persons_registry_listen(struct app *app)
{
	if (app->engine != DB_POSTGRESQL || !app->registry)
		return 0;
	return db_listen_start(app->db_url, PERSONS_CHANNEL, on_notify, app, &app->registry->listener);
}

/* One marked person: its id, the root of its merge group now, its seq. */
struct marked {
	int64_t id, root, seq;
};

static int marked_read(struct db_stmt *st, void *element, void *arg)
{
	(void)arg;
	struct marked *m = element;
	m->id = db_column_int64(st, 0);
	m->root = db_column_int64(st, 1);
	m->seq = db_column_int64(st, 2);
	return 0;
}

/* The people marked after seq, with their roots, in one read. */
static int marked_since(struct db *db, int64_t seq, struct marked **ret, size_t *ret_n)
{
	void *v = NULL;
	size_t n = 0;
	int r = db_rowsf(db, sizeof(struct marked), marked_read, NULL, &v, &n,
			 "WITH RECURSIVE up (id, at, next, seq) AS ("
			 " SELECT id, id, merged_into, seq FROM person WHERE seq > ?"
			 " UNION ALL SELECT up.id, p.id, p.merged_into, up.seq FROM person p JOIN up ON p.id = up.next)"
			 " SELECT id, at, seq FROM up WHERE next IS NULL",
			 "i", seq);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int cmp_root(const void *a, const void *b)
{
	const struct marked *x = a, *y = b;
	return x->root < y->root ? -1 : x->root > y->root ? 1 : (x->id > y->id) - (x->id < y->id);
}

/* Put each root's group in the registry. A group none of whose marked
 * people the registry has read before (new people) is only added; any
 * other is refreshed whole. */
static int apply(struct app *app, struct db *db, struct marked *m, size_t n)
{
	qsort(m, n, sizeof *m, cmp_root);
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		size_t j = i;
		pthread_rwlock_rdlock(&app->registry->lock);
		bool known = persons_registry_knows(app->registry, m[i].root);
		for (; j < n && m[j].root == m[i].root; j++)
			known = known || persons_registry_knows(app->registry, m[j].id);
		pthread_rwlock_unlock(&app->registry->lock);
		r = persons_registry_group(app, db, m[i].root, known);
		i = j;
	}
	return r;
}

int persons_registry_sync(struct app *app, struct db *db)
{
	struct person_registry *reg = app->registry;
	if (!reg)
		return 0;
	uint64_t changes = atomic_load(&reg->changes);
	if (db_listen_up(reg->listener) && changes == atomic_load(&reg->seen))
		return 0;
	pthread_mutex_lock(&reg->sync_lock);
	struct marked *m = NULL;
	size_t n = 0;
	int64_t last = reg->seq;
	int r = marked_since(db, reg->seq, &m, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (m[i].seq > last)
			last = m[i].seq;
	if (r == 0 && n)
		r = apply(app, db, m, n);
	if (r == 0) {
		reg->seq = last;
		atomic_store(&reg->seen, changes);
	}
	pthread_mutex_unlock(&reg->sync_lock);
	free(m);
	return r;
}

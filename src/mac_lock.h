/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: the lock the children take around the shmcb caches
 * when httpd's mutex mechanism for it is "pthread" (the default on Linux).
 *
 * A process-shared, robust pthread mutex without priority inheritance, in
 * anonymous shared memory made before the children fork.  Why not APR's
 * apr_global_mutex: its "pthread" mechanism asks for priority inheritance,
 * and a PI mutex's unlock hands the lock to a sleeping waiter, which must
 * be scheduled before anyone can take it; with dozens of threads on a few
 * cores every hold then waits for a wake-up (bench/results.md measures the
 * cold database path with both, in its notes).  APR's other
 * mechanisms make a system call on every hold (fcntl, flock, sysvsem) or
 * stay taken when a process dies holding them (posixsem).  This one takes
 * no system call while it is free, lets a running thread take it as soon
 * as it is free, and is handed over when its holder died, as APR's is.
 *
 * Depends on APR and POSIX threads only.
 */
#ifndef MAC_LOCK_H
#define MAC_LOCK_H

#include <apr_pools.h>
#include <apr_errno.h>

typedef struct mac_lock_t mac_lock_t;

/* Make the lock in shared memory of pool p's lifetime; processes forked
 * afterwards share it. */
apr_status_t mac_lock_create(mac_lock_t **lock, apr_pool_t *p);

/* Take the lock.  APR_SUCCESS, with *owner_died set (when not NULL) if the
 * previous holder died holding it: the lock is then taken and usable, but
 * what it protects may have been left half-changed. */
apr_status_t mac_lock_acquire(mac_lock_t *lock, int *owner_died);

apr_status_t mac_lock_release(mac_lock_t *lock);

#endif /* MAC_LOCK_H */

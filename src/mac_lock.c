/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * mod_mailautoconf: a robust process-shared lock.  See mac_lock.h.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <apr_shm.h>
#include "mac_lock.h"

struct mac_lock_t {
    pthread_mutex_t *mx;     /* in the shared segment */
};

apr_status_t mac_lock_create(mac_lock_t **lock, apr_pool_t *p)
{
    apr_shm_t *shm;
    pthread_mutexattr_t attr;
    apr_status_t rv;
    mac_lock_t *l;
    int e;

    /* Anonymous: the segment goes with the last process that maps it,
     * and a child keeps the one it was forked with across a restart. */
    if ((rv = apr_shm_create(&shm, sizeof(pthread_mutex_t), NULL, p))
        != APR_SUCCESS) {
        return rv;
    }
    l = apr_pcalloc(p, sizeof(*l));
    l->mx = apr_shm_baseaddr_get(shm);
    memset(l->mx, 0, sizeof(*l->mx));
    if ((e = pthread_mutexattr_init(&attr)) != 0) {
        return e;
    }
    e = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (e == 0) {
        e = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    }
    if (e == 0) {
        /* The default, said outright: no priority inheritance. */
        e = pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_NONE);
    }
    if (e == 0) {
        e = pthread_mutex_init(l->mx, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    if (e != 0) {
        return e;
    }
    *lock = l;
    return APR_SUCCESS;
}

apr_status_t mac_lock_acquire(mac_lock_t *lock, int *owner_died)
{
    int e = pthread_mutex_lock(lock->mx);

    if (owner_died) {
        *owner_died = e == EOWNERDEAD;
    }
    if (e == EOWNERDEAD) {
        /* Ours now; mark it usable for the next holders. */
        e = pthread_mutex_consistent(lock->mx);
    }
    return e;
}

apr_status_t mac_lock_release(mac_lock_t *lock)
{
    return pthread_mutex_unlock(lock->mx);
}

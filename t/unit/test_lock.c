/* SPDX-License-Identifier: Apache-2.0 */
/* Licensed under the Apache License, Version 2.0; see LICENSE. */
/*
 * Unit tests for src/mac_lock.[ch], the lock around the shmcb caches:
 * taken and given back; threads and forked processes counting under it
 * lose no increment; a process that dies holding it hands it over (the
 * next holder is told) and it keeps working afterwards.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_shm.h>
#include <apr_thread_proc.h>

#include "tap.h"
#include "mac_lock.h"

#define ROUNDS 20000

static apr_pool_t *pool;
static mac_lock_t *lock;
static volatile long *counter;     /* in shared memory */

static void count_up(void)
{
    int i;

    for (i = 0; i < ROUNDS; i++) {
        mac_lock_acquire(lock, NULL);
        /* A read and a write apart: lost updates show without the lock. */
        {
            long v = *counter;
            *counter = v + 1;
        }
        mac_lock_release(lock);
    }
}

static void *APR_THREAD_FUNC thread_main(apr_thread_t *t, void *data)
{
    (void)data;
    count_up();
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_basic(void)
{
    int died = -1;

    is_int(mac_lock_acquire(lock, &died), APR_SUCCESS, "taken");
    is_int(died, 0, "nobody died holding it");
    is_int(mac_lock_release(lock), APR_SUCCESS, "given back");
    is_int(mac_lock_acquire(lock, NULL), APR_SUCCESS, "taken again");
    is_int(mac_lock_release(lock), APR_SUCCESS, "given back again");
}

static void test_threads(void)
{
    apr_thread_t *t[4];
    apr_status_t rv;
    int i;

    *counter = 0;
    for (i = 0; i < 4; i++) {
        apr_thread_create(&t[i], NULL, thread_main, NULL, pool);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, t[i]);
    }
    is_int((int)*counter, 4 * ROUNDS, "4 threads: no increment lost");
}

static void test_processes(void)
{
    pid_t kids[2];
    int i, status, clean = 1;

    *counter = 0;
    for (i = 0; i < 2; i++) {
        if ((kids[i] = fork()) == 0) {
            count_up();
            _exit(0);
        }
    }
    count_up();
    for (i = 0; i < 2; i++) {
        if (waitpid(kids[i], &status, 0) != kids[i]
            || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            clean = 0;
        }
    }
    ok(clean, "two forked processes ran to their end");
    is_int((int)*counter, 3 * ROUNDS,
           "three processes: no increment lost");
}

static void test_owner_died(void)
{
    pid_t kid;
    int status, died = -1;

    if ((kid = fork()) == 0) {
        mac_lock_acquire(lock, NULL);
        _exit(0);              /* dies holding it */
    }
    waitpid(kid, &status, 0);
    is_int(mac_lock_acquire(lock, &died), APR_SUCCESS,
           "a holder died: the lock is taken all the same");
    is_int(died, 1, "and the new holder is told");
    is_int(mac_lock_release(lock), APR_SUCCESS, "given back");
    died = -1;
    is_int(mac_lock_acquire(lock, &died), APR_SUCCESS, "usable afterwards");
    is_int(died, 0, "with nothing more to tell");
    mac_lock_release(lock);
    *counter = 0;
    count_up();
    is_int((int)*counter, ROUNDS, "and still counts");
}

int main(void)
{
    apr_shm_t *shm;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    plan_no_plan();
    if (mac_lock_create(&lock, pool) != APR_SUCCESS
        || apr_shm_create(&shm, sizeof(*counter), NULL, pool)
           != APR_SUCCESS) {
        ok(0, "the lock and the shared counter are made");
        return done_testing();
    }
    counter = apr_shm_baseaddr_get(shm);
    test_basic();
    test_threads();
    test_processes();
    test_owner_died();
    apr_terminate();
    return done_testing();
}

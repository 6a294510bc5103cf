/*
 * Turns a core that misbehaves into an error instead of a hang or a crash of
 * the whole process:
 * - a callback that runs longer than the wall-clock limit: a watchdog thread
 *   watches watchdog_marker (the main thread bumps it on entering and on
 *   leaving every callback: no syscall per callback) and, when it stays odd
 *   and unchanged for the limit, signals the running thread, whose handler
 *   siglongjmps back into the engine;
 * - a callback that crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): the
 *   handler siglongjmps back into the engine too. A crash outside a callback
 *   is the engine's own and goes to the previous handler.
 * Only one engine runs C code at a time in a process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine_internal.h"

volatile uint64_t watchdog_marker;

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define N_CRASH_SIGNALS (sizeof(crash_signals) / sizeof(crash_signals[0]))

static struct emu_engine *volatile running;
static pthread_t running_thread;
static struct sigaction previous_crash[N_CRASH_SIGNALS];
static int watchdog_handler_installed;
static stack_t previous_stack;
static char *signal_stack;
static volatile sig_atomic_t reason_signal;   /* what ended the callback */
static volatile sig_atomic_t reason_watchdog;
static volatile uint64_t fired_marker;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int thread_started;
static int watching;
static double limit_s;

static int watchdog_signal(void)
{
    return SIGRTMIN + 2;
}

static void on_watchdog_signal(int sig)
{
    (void) sig;
    struct emu_engine *emu = running;
    uint64_t marker = watchdog_marker;
    if (emu != NULL && (marker & 1) && marker == fired_marker) {
        reason_watchdog = 1;
        siglongjmp(emu->on_error, 2);
    }
}

static void on_crash_signal(int sig)
{
    struct emu_engine *emu = running;
    if (emu != NULL && (watchdog_marker & 1)) {
        reason_signal = sig;
        siglongjmp(emu->on_error, 3);
    }
    /* not a program's fault: let the previous handler see it */
    for (uint32_t i = 0; i < N_CRASH_SIGNALS; i++) {
        if (crash_signals[i] == sig) {
            sigaction(sig, &previous_crash[i], NULL);
        }
    }
    raise(sig);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *watch(void *unused)
{
    (void) unused;
    uint64_t seen = 0;
    double seen_since = 0;
    for (;;) {
        pthread_mutex_lock(&lock);
        while (!watching) {
            pthread_cond_wait(&wake, &lock);
            seen = 0;
        }
        double limit = limit_s;
        pthread_t target = running_thread;
        pthread_mutex_unlock(&lock);

        double step = limit / 20;
        step = step > 0.05 ? 0.05 : (step < 0.001 ? 0.001 : step);
        struct timespec ts = {(time_t) step, (long) ((step - (time_t) step) * 1e9)};
        nanosleep(&ts, NULL);

        uint64_t marker = watchdog_marker;
        if (!(marker & 1)) {
            seen = 0;
            continue;
        }
        if (marker != seen) {
            seen = marker;
            seen_since = seconds_now();
            continue;
        }
        if (seconds_now() - seen_since >= limit && fired_marker != marker) {
            pthread_mutex_lock(&lock);
            if (watching) {
                fired_marker = marker;
                pthread_kill(target, watchdog_signal());
            }
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

int watchdog_arm(struct emu_engine *emu)
{
    if (running != NULL) {
        snprintf(emu->error, sizeof(emu->error),
                 "another emulator engine is running in this process");
        return -1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_ONSTACK;
    action.sa_handler = on_crash_signal;
    if (signal_stack == NULL) {
        signal_stack = malloc(1 << 16);
    }
    stack_t stack = {.ss_sp = signal_stack, .ss_size = 1 << 16, .ss_flags = 0};
    if (signal_stack != NULL) {
        sigaltstack(&stack, &previous_stack);
    }
    for (uint32_t i = 0; i < N_CRASH_SIGNALS; i++) {
        sigaction(crash_signals[i], &action, &previous_crash[i]);
    }
    if (!watchdog_handler_installed) {
        /* installed for good: a late watchdog signal must never reach the
         * default action (which would end the process) */
        action.sa_handler = on_watchdog_signal;
        sigaction(watchdog_signal(), &action, NULL);
        watchdog_handler_installed = 1;
    }
    reason_signal = 0;
    reason_watchdog = 0;
    running = emu;

    pthread_mutex_lock(&lock);
    running_thread = pthread_self();
    limit_s = emu->callback_limit_s;
    watching = 1;
    if (!thread_started) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* the thread never touches Python; it only sleeps and signals */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        thread_started = pthread_create(&thread, &attr, watch, NULL) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
    }
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    return 0;
}

void watchdog_disarm(struct emu_engine *emu)
{
    (void) emu;
    pthread_mutex_lock(&lock);
    watching = 0;
    pthread_mutex_unlock(&lock);
    if (watchdog_marker & 1) {
        watchdog_marker++;    /* left a callback by longjmp */
    }
    for (uint32_t i = 0; i < N_CRASH_SIGNALS; i++) {
        sigaction(crash_signals[i], &previous_crash[i], NULL);
    }
    if (signal_stack != NULL) {
        sigaltstack(&previous_stack, NULL);
    }
    running = NULL;
}

const char *watchdog_take_reason(char *buf, size_t size)
{
    if (reason_watchdog) {
        reason_watchdog = 0;
        snprintf(buf, size, "callback ran longer than the %.3g s wall-clock "
                 "limit (stuck in a loop?)", limit_s);
        return buf;
    }
    if (reason_signal) {
        int sig = reason_signal;
        reason_signal = 0;
        snprintf(buf, size, "crashed with signal %d (%s)", sig, strsignal(sig));
        return buf;
    }
    return NULL;
}

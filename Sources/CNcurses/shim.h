#ifndef COORDINATOR_CNCURSES_SHIM_H
#define COORDINATOR_CNCURSES_SHIM_H

/* SwiftPM drops the -D flags pkg-config gives, so the wide-character API is switched on here. */
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <ncurses.h>
#include <term.h>
#include <signal.h>
#include <string.h>

/* Installs `handler` for signal `number` the way htop installs its crash handler: reset to the
   default action on entry (SA_RESETHAND) and not blocked while it runs (SA_NODEFER), so that
   re-raising the signal from the handler ends the process at once. The replaced action goes to
   `previous`. Here in C because the handler field of struct sigaction is a union whose name
   differs between C libraries. */
static inline int coordinator_install_fatal_signal_handler(int number, void (*handler)(int), struct sigaction *previous) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    return sigaction(number, &action, previous);
}

/* Puts back an action saved by coordinator_install_fatal_signal_handler. */
static inline int coordinator_restore_signal_action(int number, const struct sigaction *previous) {
    return sigaction(number, previous, NULL);
}

/* Whether terminfo describes terminal `name`: setupterm's status (1 found, 0 unknown or a
   hardcopy terminal, -1 no terminfo database),
   with the description loaded for the question freed again, so initscr later starts afresh. Asked
   before initscr, which on an unknown TERM prints its own message and exits the process. */
static inline int coordinator_terminfo_status(const char *name) {
    int status = 0;
    TERMINAL *previous = cur_term;
    if (setupterm(name, 1, &status) == OK) {
        TERMINAL *loaded = set_curterm(previous);
        if (loaded != NULL && loaded != previous) del_curterm(loaded);
    }
    return status;
}

#endif

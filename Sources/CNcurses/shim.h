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

/* Mouse reporting: the first button pressed and the wheel (buttons 4 and 5), reported at once
   (no click interval), or none. Here in C because the BUTTON masks are macros Swift cannot import. */
static inline void coordinator_mouse_enable(int on) {
    mmask_t mask = 0;
    if (on) {
        mask = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
        mask |= BUTTON5_PRESSED;
#endif
        mouseinterval(0);
    }
    mousemask(mask, NULL);
}

/* Reads the mouse event curses announced with KEY_MOUSE: its cell in `row` and `column`, and
   what it was: 1 the first button, 2 wheel up, 3 wheel down, 0 anything else or no event. */
static inline int coordinator_mouse_read(int *row, int *column) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *row = event.y;
    *column = event.x;
    if (event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) return 1;
    if (event.bstate & BUTTON4_PRESSED) return 2;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return 3;
#endif
    return 0;
}

#endif

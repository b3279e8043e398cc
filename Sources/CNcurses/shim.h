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

#endif

// Thin C shim over libpq (Debian libpq-dev).
#ifndef CLOSEBELL_CLIBPQ_SHIM_H
#define CLOSEBELL_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif

// libpsl: registrable domains from the Public Suffix List (used by afilter --same-domain).
#ifndef CPSL_SHIM_H
#define CPSL_SHIM_H
#include <libpsl.h>
#endif

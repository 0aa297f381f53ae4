// libxml2's HTML push parser, plus the one global Swift cannot use directly.
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

// xmlFree is a global function pointer; Swift 6 rejects it as not
// concurrency-safe, so calls go through this function instead.
static inline void CLibXML2_free(void *pointer) { xmlFree(pointer); }

#endif

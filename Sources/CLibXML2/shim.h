// libxml2's HTML push parser, plus what Swift cannot express directly.
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

// xmlFree is a global function pointer; Swift 6 rejects it as not
// concurrency-safe, so calls go through this function instead.
static inline void CLibXML2_free(void *pointer) { xmlFree(pointer); }

// libxml2's generic error handler is variadic (xmlGenericErrorFunc), which
// Swift cannot define, so the no-op handlers live here.
static inline void CLibXML2_ignoreGenericError(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

static inline void CLibXML2_ignoreStructuredError(void *context, xmlErrorPtr error) {
    (void)context;
    (void)error;
}

// Sends this thread's libxml2 errors nowhere. HTML_PARSE_NOERROR only clears
// the context's SAX error callbacks; without a structured handler,
// __xmlRaiseError falls back to xmlGenericError, which prints to stderr.
static inline void CLibXML2_silenceErrors(void) {
    xmlSetGenericErrorFunc(NULL, CLibXML2_ignoreGenericError);
    xmlSetStructuredErrorFunc(NULL, CLibXML2_ignoreStructuredError);
}

// libxml2 2.9.14's htmlParseHTMLAttribute allocates 100 bytes for each
// attribute value, then grows the buffer to 200 at the value's first byte (it
// keeps 100 bytes spare): a malloc, a realloc and a free per attribute, the
// realloc a copy. Small blocks of at least 256 bytes let that realloc keep the
// block it has. Blocks are glibc's, so freeing works whichever way they came.
static void *CLibXML2_mallocRoomy(size_t size) { return malloc(size < 256 ? 256 : size); }

static void *CLibXML2_reallocInPlace(void *block, size_t size) {
    if (block != NULL && malloc_usable_size(block) >= size) return block;
    return realloc(block, size);
}

// Installs the allocator above for libxml2 (xmlMemSetup: free, malloc and
// xmlMallocAtomic, realloc, strdup).
static inline void CLibXML2_useRoomyAllocator(void) {
    xmlMemSetup(free, CLibXML2_mallocRoomy, CLibXML2_reallocInPlace, strdup);
}

#endif

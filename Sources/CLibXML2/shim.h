// libxml2's HTML push parser, plus what Swift cannot express directly.
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

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

#endif

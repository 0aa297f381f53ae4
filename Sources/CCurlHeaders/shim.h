// libcurl's declarations without linking libcurl: the URLs module loads libcurl's URL API
// with dlopen on first use (Sources/URLs/CurlURLAPI.swift), so afilter and alinks do not
// map libcurl and the thirty libraries it needs at every launch.
#ifndef CCURLHEADERS_SHIM_H
#define CCURLHEADERS_SHIM_H

#include <curl/curl.h>

#endif

// Typed wrappers around libcurl's variadic functions, which Swift cannot call directly.
// One wrapper per argument type of curl_easy_setopt / curl_easy_getinfo (the GRDBSQLite/shim.h pattern).
#ifndef INCIDENT_BRIDGE_CCURL_SHIM_H
#define INCIDENT_BRIDGE_CCURL_SHIM_H

#include <curl/curl.h>

// curl_global_init(CURL_GLOBAL_ALL): the macro is an expression Swift does not import.
static inline CURLcode ib_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

// ---- curl_easy_setopt ----

static inline CURLcode ib_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ib_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ib_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ib_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ib_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION
static inline CURLcode ib_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_HEADERFUNCTION (same signature as a write callback)
static inline CURLcode ib_easy_setopt_header_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_READFUNCTION
static inline CURLcode ib_easy_setopt_read_callback(CURL *handle, CURLoption option, curl_read_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_XFERINFOFUNCTION
static inline CURLcode ib_easy_setopt_xferinfo_callback(CURL *handle, CURLoption option,
                                                        curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// ---- curl_easy_getinfo ----

static inline CURLcode ib_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ib_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ib_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ib_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif

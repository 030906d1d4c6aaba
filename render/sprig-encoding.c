/* Sprig's encoding functions: b64enc, b64dec, b32enc, b32dec with Go's
 * encoding/base64 and encoding/base32 StdEncoding (padded). A decoding
 * error is not a template error: Sprig returns its message as the result
 * ("illegal base64 data at input byte 4"), with Go's byte offsets. */
#include "render/sprig.h"

#include <stdio.h>
#include <string.h>

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int
fn_b64enc(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)tmpl_arg_str(c, 0, &n);
    if (n > SPRIG_MAX_STRING)
        return tmpl_fail_code(c, PKG_ELIMIT, "input too large");
    size_t olen = (n + 2) / 3 * 4;
    char *p;
    *out = sprig_str_alloc(c, olen, &p);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *p++ = b64chars[v >> 18];
        *p++ = b64chars[(v >> 12) & 63];
        *p++ = b64chars[(v >> 6) & 63];
        *p++ = b64chars[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        *p++ = b64chars[v >> 18];
        *p++ = b64chars[(v >> 12) & 63];
        *p++ = '=';
        *p++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        *p++ = b64chars[v >> 18];
        *p++ = b64chars[(v >> 12) & 63];
        *p++ = b64chars[(v >> 6) & 63];
        *p++ = '=';
    }
    return 0;
}

static int
b64val(unsigned char ch)
{
    const char *p = ch ? strchr(b64chars, ch) : NULL;
    return p ? (int)(p - b64chars) : -1;
}

static size_t
skip_newlines(const unsigned char *src, size_t len, size_t si)
{
    while (si < len && (src[si] == '\n' || src[si] == '\r'))
        si++;
    return si;
}

/* base64.StdEncoding.DecodeString: appends the decoded bytes; returns -1,
 * or the offset Go's CorruptInputError names (decodeQuantum's rules: CR
 * and LF skipped, padding required, nothing after it). */
long
sprig_b64_decode(const unsigned char *src, size_t len, struct sb *dst)
{
    size_t si = 0;
    while (si < len) {
        int dbuf[4] = {0, 0, 0, 0};
        int dlen = 4;
        long err = -1;
        for (int j = 0; j < 4; j++) {
            if (si == len) {
                if (j == 0)
                    return -1;
                return (long)(si - (size_t)j);
            }
            unsigned char in = src[si++];
            int o = b64val(in);
            if (o >= 0) {
                dbuf[j] = o;
                continue;
            }
            if (in == '\n' || in == '\r') {
                j--;
                continue;
            }
            if (in != '=' || j < 2)
                return (long)(si - 1);
            if (j == 2) {
                /* "==" expected */
                si = skip_newlines(src, len, si);
                if (si == len)
                    return (long)len;
                if (src[si] != '=')
                    return (long)(si - 1);
                si++;
            }
            si = skip_newlines(src, len, si);
            if (si < len)
                err = (long)si; /* trailing garbage */
            dlen = j;
            break;
        }
        uint32_t v = (uint32_t)dbuf[0] << 18 | (uint32_t)dbuf[1] << 12 | (uint32_t)dbuf[2] << 6 |
                     (uint32_t)dbuf[3];
        unsigned char b[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
        sb_add(dst, b, (size_t)dlen - 1);
        if (err >= 0)
            return err;
    }
    return -1;
}

static int
fn_b64dec(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)tmpl_arg_str(c, 0, &n);
    struct sb sb = SB_INIT;
    long bad = sprig_b64_decode(s, n, &sb);
    if (bad >= 0) {
        char msg[64];
        snprintf(msg, sizeof(msg), "illegal base64 data at input byte %ld", bad);
        *out = tmpl_mkstrz(c, msg);
    } else {
        *out = tmpl_mkstr(c, sb.buf, sb.len);
    }
    sb_release(&sb);
    return 0;
}

static int
fn_b32enc(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)tmpl_arg_str(c, 0, &n);
    if (n > SPRIG_MAX_STRING)
        return tmpl_fail_code(c, PKG_ELIMIT, "input too large");
    size_t olen = (n + 4) / 5 * 8;
    char *p;
    *out = sprig_str_alloc(c, olen, &p);
    for (size_t i = 0; i < n; i += 5) {
        unsigned char b[5] = {0, 0, 0, 0, 0};
        size_t k = n - i < 5 ? n - i : 5;
        memcpy(b, s + i, k);
        uint64_t v = (uint64_t)b[0] << 32 | (uint64_t)b[1] << 24 | (uint64_t)b[2] << 16 |
                     (uint64_t)b[3] << 8 | b[4];
        /* characters carrying data: 2, 4, 5, 7, 8 for 1..5 bytes */
        static const int used[6] = {0, 2, 4, 5, 7, 8};
        for (int j = 0; j < 8; j++)
            p[j] = j < used[k] ? b32chars[(v >> (35 - 5 * j)) & 31] : '=';
        p += 8;
    }
    return 0;
}

static int
b32val(unsigned char ch)
{
    const char *p = ch ? strchr(b32chars, ch) : NULL;
    return p ? (int)(p - b32chars) : -1;
}

/* base32.StdEncoding.DecodeString: newlines are stripped first, offsets
 * count in the stripped text. */
static long
b32_decode(const unsigned char *in, size_t inlen, struct sb *dst, struct sb *tmp)
{
    for (size_t i = 0; i < inlen; i++)
        if (in[i] != '\r' && in[i] != '\n')
            sb_addch(tmp, in[i]);
    const unsigned char *src = (const unsigned char *)tmp->buf;
    size_t olen = tmp->len, left = olen, pos = 0;
    bool end = false;
    while (left > 0 && !end) {
        int dbuf[8] = {0};
        int dlen = 8;
        for (int j = 0; j < 8;) {
            if (left == 0)
                return (long)(olen - left - (size_t)j);
            unsigned char ch = src[pos++];
            left--;
            if (ch == '=' && j >= 2 && left < 8) {
                if (left + (size_t)j < 8 - 1)
                    return (long)olen;
                for (int k = 0; k < 8 - 1 - j; k++)
                    if (left > (size_t)k && src[pos + (size_t)k] != '=')
                        return (long)(olen - left + (size_t)k - 1);
                dlen = j;
                end = true;
                if (dlen == 1 || dlen == 3 || dlen == 6)
                    return (long)(olen - left - 1);
                break;
            }
            int v = b32val(ch);
            if (v < 0)
                return (long)(olen - left - 1);
            dbuf[j++] = v;
        }
        uint64_t v = 0;
        for (int j = 0; j < 8; j++)
            v = v << 5 | (uint64_t)dbuf[j];
        unsigned char b[5] = {(unsigned char)(v >> 32), (unsigned char)(v >> 24),
                              (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
        static const int bytes_of[9] = {0, 0, 1, 0, 2, 3, 0, 4, 5};
        sb_add(dst, b, (size_t)bytes_of[dlen]);
    }
    return -1;
}

static int
fn_b32dec(struct tmpl_call *c, struct val **out)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)tmpl_arg_str(c, 0, &n);
    struct sb sb = SB_INIT, tmp = SB_INIT;
    long bad = b32_decode(s, n, &sb, &tmp);
    if (bad >= 0) {
        char msg[64];
        snprintf(msg, sizeof(msg), "illegal base32 data at input byte %ld", bad);
        *out = tmpl_mkstrz(c, msg);
    } else {
        *out = tmpl_mkstr(c, sb.buf, sb.len);
    }
    sb_release(&sb);
    sb_release(&tmp);
    return 0;
}

const struct tmpl_func tmpl_funcs_sprig_encoding[] = {
    {"b64enc", fn_b64enc, "func(string) string"},
    {"b64dec", fn_b64dec, "func(string) string"},
    {"b32enc", fn_b32enc, "func(string) string"},
    {"b32dec", fn_b32dec, "func(string) string"},
    {NULL, NULL, NULL},
};

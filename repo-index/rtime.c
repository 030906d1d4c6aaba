/* Timestamps as Go's time.Time marshals them to JSON (RFC 3339 with
 * nanoseconds, trailing zeros of the fraction dropped, "Z" for a zero
 * offset), which is what Helm writes for `created` and `generated`. */
#include "repo-index/repo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int
days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static void
format_parts(char out[REPO_TIME_MAX], int y, int mo, int d, int h, int mi, int s, long ns, long off)
{
    char frac[32] = "";
    if (ns > 0) {
        snprintf(frac, sizeof(frac), ".%09ld", ns);
        size_t n = strlen(frac);
        while (n > 1 && frac[n - 1] == '0')
            frac[--n] = 0;
    }
    char zone[32] = "Z";
    if (off != 0) {
        char sign = off < 0 ? '-' : '+';
        long a = off < 0 ? -off : off;
        snprintf(zone, sizeof(zone), "%c%02ld:%02ld", sign, a / 3600, (a / 60) % 60);
    }
    /* Years stay four digits (Go refuses to marshal others); the buffer
     * holds the longest form. */
    char buf[96];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y % 10000, mo % 100, d % 100,
             h % 100, mi % 100, s % 100, frac, zone);
    memcpy(out, buf, REPO_TIME_MAX - 1);
    out[REPO_TIME_MAX - 1] = 0;
}

void
repo_time_now(char out[REPO_TIME_MAX])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    format_parts(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, ts.tv_nsec, tm.tm_gmtoff);
}

static int
digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int
repo_time_normalize(char out[REPO_TIME_MAX], const char *s)
{
    /* Go's strict RFC 3339 parse: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). */
    size_t n = strlen(s);
    int y, mo, d, h, mi, sec;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return -1;
    size_t i = 19;
    long ns = 0;
    if (s[i] == '.') {
        i++;
        size_t start = i, nd = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (nd < 9) {
                ns = ns * 10 + (s[i] - '0');
                nd++;
            }
            i++;
        }
        if (i == start)
            return -1;
        for (; nd < 9; nd++)
            ns *= 10;
    }
    long off = 0;
    if (s[i] == 'Z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (n - i != 6 || s[i + 3] != ':' || digits(s + i + 1, 2, &oh) ||
            digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (oh * 3600L + om * 60L) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    format_parts(out, y, mo, d, h, mi, sec, ns, off);
    return 0;
}

/* Sprig's date functions (date.go) on a C port of the parts of Go's time
 * package they use: a time.Time value (render objects of type
 * "time.Time" that print like Go's Time.String(), monotonic reading
 * included for `now`), locations read from the system's TZif files with
 * Go's lookup rules (the POSIX TZ footer past the last transition), Go's
 * layout-based Format and Parse ("2006-01-02T15:04:05Z07:00") with Go's
 * ParseError messages, and Duration parsing and printing.
 *
 * Functions: now, date, dateInZone/date_in_zone, htmlDate, htmlDateInZone,
 * dateModify/date_modify, mustDateModify/must_date_modify, ago, duration,
 * durationRound, toDate, mustToDate, unixEpoch. Locations load once per
 * name and stay for the process (they are immutable). */
#include "render/sprig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"
#include "core/xalloc.h"

#define SECS_PER_DAY 86400
#define ALPHA INT64_MIN
#define OMEGA INT64_MAX

/* ---- locations ---- */

struct tz_zone {
    char name[24];
    int32_t off;
    bool dst;
};

struct tz_tx {
    int64_t when;
    uint8_t idx;
};

struct tz_loc {
    char *name;
    struct tz_zone *zones;
    size_t nz;
    struct tz_tx *tx;
    size_t ntx;
    char *extend;
    struct tz_loc *next; /* the cache list */
};

static struct tz_loc utc_loc = {.name = "UTC"};

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* LoadLocationFromTZData */
static struct tz_loc *
tzif_parse(const char *name, const unsigned char *d, size_t n)
{
    if (n < 44 || memcmp(d, "TZif", 4))
        return NULL;
    int version = d[4] >= '2' ? 2 : 1;
    const unsigned char *p = d;
    size_t left = n;
    for (int pass = 1;; pass++) {
        if (left < 44 || memcmp(p, "TZif", 4))
            return NULL;
        uint32_t isutcnt = be32(p + 20), isstdcnt = be32(p + 24), leapcnt = be32(p + 28),
                 timecnt = be32(p + 32), typecnt = be32(p + 36), charcnt = be32(p + 40);
        size_t tsize = pass == 1 ? 4 : 8;
        size_t need = 44 + (size_t)timecnt * tsize + timecnt + (size_t)typecnt * 6 + charcnt +
                      (size_t)leapcnt * (tsize + 4) + isstdcnt + isutcnt;
        if (timecnt > 100000 || typecnt > 256 || charcnt > 65536 || need > left)
            return NULL;
        if (pass == 1 && version >= 2) {
            p += need;
            left -= need;
            continue;
        }
        const unsigned char *times = p + 44;
        const unsigned char *idx = times + (size_t)timecnt * tsize;
        const unsigned char *types = idx + timecnt;
        const unsigned char *chars = types + (size_t)typecnt * 6;
        if (typecnt == 0)
            return NULL;
        struct tz_loc *l = xcalloc(1, sizeof(*l));
        l->name = xstrdup(name);
        l->nz = typecnt;
        l->zones = xcalloc(typecnt, sizeof(*l->zones));
        for (uint32_t i = 0; i < typecnt; i++) {
            const unsigned char *t = types + (size_t)i * 6;
            l->zones[i].off = (int32_t)be32(t);
            l->zones[i].dst = t[4] != 0;
            uint8_t ai = t[5];
            if (ai < charcnt) {
                size_t k = 0;
                while (ai + k < charcnt && chars[ai + k] && k + 1 < sizeof(l->zones[i].name)) {
                    l->zones[i].name[k] = (char)chars[ai + k];
                    k++;
                }
            }
        }
        l->ntx = timecnt ? timecnt : 1;
        l->tx = xcalloc(l->ntx, sizeof(*l->tx));
        if (timecnt == 0) {
            /* a fake transition covering all time (Etc/GMT0) */
            l->tx[0].when = ALPHA;
            l->tx[0].idx = 0;
        }
        for (uint32_t i = 0; i < timecnt; i++) {
            l->tx[i].when = tsize == 4 ? (int64_t)(int32_t)be32(times + (size_t)i * 4)
                                       : be64(times + (size_t)i * 8);
            l->tx[i].idx = idx[i] < typecnt ? idx[i] : 0;
        }
        /* the footer: "\nTZ-STRING\n" */
        const unsigned char *f = p + need;
        size_t fl = left - need;
        if (version >= 2 && fl >= 2 && f[0] == '\n') {
            const unsigned char *e = memchr(f + 1, '\n', fl - 1);
            if (e)
                l->extend = xstrndup((const char *)f + 1, (size_t)(e - f - 1));
        }
        return l;
    }
}

static struct tz_loc *
tzif_load_file(const char *name, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct sb sb = SB_INIT;
    struct pkg_err *err = NULL;
    struct tz_loc *l = NULL;
    if (sb_read_fd(&sb, fd, path, 1 << 20, &err) == 0)
        l = tzif_parse(name, (const unsigned char *)sb.buf, sb.len);
    pkg_err_free(err);
    sb_release(&sb);
    close(fd);
    return l;
}

static const char *const zone_dirs[] = {"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
                                        "/usr/lib/locale/TZ/", "/etc/zoneinfo/"};

static struct tz_loc *
load_from_sources(const char *name)
{
    const char *zi = getenv("ZONEINFO");
    char path[4096];
    if (zi && *zi) {
        snprintf(path, sizeof(path), "%s/%s", zi, name);
        struct tz_loc *l = tzif_load_file(name, path);
        if (l)
            return l;
    }
    for (size_t i = 0; i < sizeof(zone_dirs) / sizeof(zone_dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", zone_dirs[i], name);
        struct tz_loc *l = tzif_load_file(name, path);
        if (l)
            return l;
    }
    return NULL;
}

static pthread_mutex_t loc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tz_loc *loc_cache;
static struct tz_loc *local_loc;

/* time.Local, as initLocal reads $TZ */
static struct tz_loc *
get_local(void)
{
    pthread_mutex_lock(&loc_lock);
    if (!local_loc) {
        const char *tz = getenv("TZ");
        struct tz_loc *l = NULL;
        if (!tz) {
            l = tzif_load_file("Local", "/etc/localtime");
        } else if (*tz) {
            if (*tz == ':')
                tz++;
            if (*tz == '/') {
                l = tzif_load_file(strcmp(tz, "/etc/localtime") ? tz : "Local", tz);
            } else if (*tz && strcmp(tz, "UTC") != 0) {
                l = load_from_sources(tz);
            }
        }
        if (!l) {
            l = xcalloc(1, sizeof(*l));
            l->name = xstrdup("UTC");
        }
        local_loc = l;
    }
    pthread_mutex_unlock(&loc_lock);
    return local_loc;
}

/* time.LoadLocation: NULL when Go would fail */
static const struct tz_loc *
load_location(const char *name, size_t n)
{
    if (n == 0 || (n == 3 && !memcmp(name, "UTC", 3)))
        return &utc_loc;
    if (n == 5 && !memcmp(name, "Local", 5))
        return get_local();
    if (memmem(name, n, "..", 2) || name[0] == '/' || name[0] == '\\' || memchr(name, 0, n) ||
        n > 255)
        return NULL;
    char *nm = xstrndup(name, n);
    pthread_mutex_lock(&loc_lock);
    struct tz_loc *l;
    for (l = loc_cache; l; l = l->next)
        if (!strcmp(l->name, nm))
            break;
    if (!l) {
        l = load_from_sources(nm);
        if (l) {
            l->next = loc_cache;
            loc_cache = l;
        }
    }
    pthread_mutex_unlock(&loc_lock);
    free(nm);
    return l;
}

/* ---- civil dates ---- */

static bool
is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Hinnant) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static const int days_before[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

static int
days_in(int m, int64_t y)
{
    if (m == 2 && is_leap(y))
        return 29;
    return days_before[m] - days_before[m - 1];
}

/* ---- zone lookup ---- */

struct zinfo {
    const char *name;
    int32_t off;
    int64_t start, end;
    bool dst;
};

struct tzrule {
    int kind; /* 0 Julian, 1 day of year, 2 month-week-day */
    int day, week, mon, time;
};

static bool
tzset_num(const char **s, int min, int max, int *out)
{
    const char *p = *s;
    if (!*p)
        return false;
    int num = 0, i = 0;
    for (; p[i]; i++) {
        if (p[i] < '0' || p[i] > '9')
            break;
        num = num * 10 + (p[i] - '0');
        if (num > max)
            return false;
    }
    if (i == 0 || num < min)
        return false;
    *out = num;
    *s = p + i;
    return true;
}

static bool
tzset_name(const char **s, char *out, size_t outn)
{
    const char *p = *s;
    if (!*p)
        return false;
    size_t len;
    const char *start = p;
    if (*p != '<') {
        size_t i = 0;
        while (p[i] && !strchr("0123456789,-+", p[i]))
            i++;
        if (i < 3)
            return false;
        len = i;
        *s = p + i;
    } else {
        const char *e = strchr(p, '>');
        if (!e)
            return false;
        start = p + 1;
        len = (size_t)(e - p - 1);
        *s = e + 1;
    }
    if (len >= outn)
        len = outn - 1;
    memcpy(out, start, len);
    out[len] = 0;
    return true;
}

static bool
tzset_offset(const char **s, int *out)
{
    const char *p = *s;
    if (!*p)
        return false;
    bool neg = false;
    if (*p == '+') {
        p++;
    } else if (*p == '-') {
        p++;
        neg = true;
    }
    int h, m, sec;
    if (!tzset_num(&p, 0, 24 * 7, &h))
        return false;
    int off = h * 3600;
    if (*p == ':') {
        p++;
        if (!tzset_num(&p, 0, 59, &m))
            return false;
        off += m * 60;
        if (*p == ':') {
            p++;
            if (!tzset_num(&p, 0, 59, &sec))
                return false;
            off += sec;
        }
    }
    *out = neg ? -off : off;
    *s = p;
    return true;
}

static bool
tzset_rule(const char **s, struct tzrule *r)
{
    const char *p = *s;
    memset(r, 0, sizeof(*r));
    if (!*p)
        return false;
    if (*p == 'J') {
        p++;
        if (!tzset_num(&p, 1, 365, &r->day))
            return false;
        r->kind = 0;
    } else if (*p == 'M') {
        p++;
        if (!tzset_num(&p, 1, 12, &r->mon) || *p != '.')
            return false;
        p++;
        if (!tzset_num(&p, 1, 5, &r->week) || *p != '.')
            return false;
        p++;
        if (!tzset_num(&p, 0, 6, &r->day))
            return false;
        r->kind = 2;
    } else {
        if (!tzset_num(&p, 0, 365, &r->day))
            return false;
        r->kind = 1;
    }
    if (*p != '/') {
        r->time = 2 * 3600;
        *s = p;
        return true;
    }
    p++;
    if (!tzset_offset(&p, &r->time))
        return false;
    *s = p;
    return true;
}

static int64_t
tzrule_time(int64_t year, const struct tzrule *r, int off)
{
    int64_t s = 0;
    switch (r->kind) {
    case 0:
        s = (int64_t)(r->day - 1) * SECS_PER_DAY;
        if (is_leap(year) && r->day >= 60)
            s += SECS_PER_DAY;
        break;
    case 1:
        s = (int64_t)r->day * SECS_PER_DAY;
        break;
    default: {
        int m1 = (r->mon + 9) % 12 + 1;
        int64_t yy0 = year;
        if (r->mon <= 2)
            yy0--;
        int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
        int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
        if (dow < 0)
            dow += 7;
        int64_t d = r->day - dow;
        if (d < 0)
            d += 7;
        for (int i = 1; i < r->week; i++) {
            if (d + 7 >= days_in(r->mon, year))
                break;
            d += 7;
        }
        d += days_before[r->mon - 1];
        if (is_leap(year) && r->mon > 2)
            d++;
        s = d * SECS_PER_DAY;
    }
    }
    return s + r->time - off;
}

/* tzset: the zone of sec from a POSIX TZ string; false when it does not
 * parse. Names point into static storage of the caller (zi_buf). */
static bool
posix_tz(const char *s, int64_t last_tx, int64_t sec, struct zinfo *zi, char *std_name,
         char *dst_name)
{
    int std_off, dst_off;
    if (!tzset_name(&s, std_name, 24) || !tzset_offset(&s, &std_off))
        return false;
    std_off = -std_off;
    if (!*s || *s == ',') {
        *zi = (struct zinfo){std_name, std_off, last_tx, OMEGA, false};
        return true;
    }
    if (!tzset_name(&s, dst_name, 24))
        return false;
    if (!*s || *s == ',') {
        dst_off = std_off + 3600;
    } else {
        if (!tzset_offset(&s, &dst_off))
            return false;
        dst_off = -dst_off;
    }
    if (!*s)
        s = ",M3.2.0,M11.1.0";
    if (*s != ',' && *s != ';')
        return false;
    s++;
    struct tzrule sr, er;
    if (!tzset_rule(&s, &sr) || *s != ',')
        return false;
    s++;
    if (!tzset_rule(&s, &er) || *s)
        return false;
    int64_t days = floor_div(sec, SECS_PER_DAY), year;
    int mo, dd;
    civil_from_days(days, &year, &mo, &dd);
    int64_t yday = days - days_from_civil(year, 1, 1) + 1;
    int64_t ysec = (yday - 1) * SECS_PER_DAY + (sec - days * SECS_PER_DAY);
    int64_t ystart = sec - ysec;
    int64_t start = tzrule_time(year, &sr, std_off), end = tzrule_time(year, &er, dst_off);
    bool dst_is_dst = true, std_is_dst = false;
    const char *sn = std_name, *dn = dst_name;
    if (end < start) {
        int64_t t = start;
        start = end;
        end = t;
        const char *tn = sn;
        sn = dn;
        dn = tn;
        int to = std_off;
        std_off = dst_off;
        dst_off = to;
        bool tb = std_is_dst;
        std_is_dst = dst_is_dst;
        dst_is_dst = tb;
    }
    if (ysec < start)
        *zi = (struct zinfo){sn, std_off, ystart, start + ystart, std_is_dst};
    else if (ysec >= end)
        *zi = (struct zinfo){sn, std_off, end + ystart, ystart + 365 * SECS_PER_DAY, std_is_dst};
    else
        *zi = (struct zinfo){dn, dst_off, start + ystart, end + ystart, dst_is_dst};
    return true;
}

static size_t
first_zone(const struct tz_loc *l)
{
    bool used = false;
    for (size_t i = 0; i < l->ntx; i++)
        if (l->tx[i].idx == 0)
            used = true;
    if (!used)
        return 0;
    if (l->ntx > 0 && l->zones[l->tx[0].idx].dst)
        for (int zi = (int)l->tx[0].idx - 1; zi >= 0; zi--)
            if (!l->zones[zi].dst)
                return (size_t)zi;
    for (size_t zi = 0; zi < l->nz; zi++)
        if (!l->zones[zi].dst)
            return zi;
    return 0;
}

/* Location.lookup; names live in buf (2 x 24 bytes) for rule zones */
static void
zone_lookup(const struct tz_loc *l, int64_t sec, struct zinfo *zi, char *buf)
{
    if (l->nz == 0) {
        *zi = (struct zinfo){"UTC", 0, ALPHA, OMEGA, false};
        return;
    }
    if (l->ntx == 0 || sec < l->tx[0].when) {
        const struct tz_zone *z = &l->zones[first_zone(l)];
        *zi = (struct zinfo){z->name, z->off, ALPHA, l->ntx ? l->tx[0].when : OMEGA, z->dst};
        return;
    }
    int64_t end = OMEGA;
    size_t lo = 0, hi = l->ntx;
    while (hi - lo > 1) {
        size_t m = (lo + hi) / 2;
        if (sec < l->tx[m].when) {
            end = l->tx[m].when;
            hi = m;
        } else {
            lo = m;
        }
    }
    const struct tz_zone *z = &l->zones[l->tx[lo].idx];
    *zi = (struct zinfo){z->name, z->off, l->tx[lo].when, end, z->dst};
    if (lo == l->ntx - 1 && l->extend) {
        struct zinfo e;
        if (posix_tz(l->extend, zi->start, sec, &e, buf, buf + 24))
            *zi = e;
    }
}

/* ---- time values ---- */

struct go_time {
    int64_t sec; /* Unix seconds */
    int32_t nsec;
    const struct tz_loc *loc; /* NULL: UTC */
    bool mono;
    int64_t mono_ns;
    /* a fixed zone made by Parse (FixedZone) */
    bool fixed;
    int32_t fixed_off;
    char fixed_name[24];
};

#define ZERO_SEC (-62135596800LL) /* January 1, year 1, 00:00:00 UTC */

static int64_t process_start_ns;

__attribute__((constructor)) static void
record_start(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    process_start_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
time_zone(const struct go_time *t, struct zinfo *zi, char *buf)
{
    if (t->fixed) {
        *zi = (struct zinfo){t->fixed_name, t->fixed_off, ALPHA, OMEGA, false};
        return;
    }
    zone_lookup(t->loc ? t->loc : &utc_loc, t->sec, zi, buf);
}

static struct go_time
time_now(void)
{
    struct timespec ts, mt;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock_gettime(CLOCK_MONOTONIC, &mt);
    struct go_time t = {0};
    t.sec = ts.tv_sec;
    t.nsec = (int32_t)ts.tv_nsec;
    t.loc = get_local();
    t.mono = true;
    t.mono_ns = (int64_t)mt.tv_sec * 1000000000 + mt.tv_nsec - process_start_ns;
    return t;
}

static struct go_time
time_unix(int64_t sec)
{
    struct go_time t = {0};
    t.sec = sec;
    t.loc = get_local();
    return t;
}

/* Date(year, month, day, hour, min, sec, nsec, loc) with Go's
 * normalization and zone adjustment */
static struct go_time
time_date(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t min, int64_t sec,
          int64_t nsec, const struct tz_loc *loc)
{
    int64_t m = month - 1;
    year += floor_div(m, 12);
    m -= floor_div(m, 12) * 12;
    sec += floor_div(nsec, 1000000000);
    nsec -= floor_div(nsec, 1000000000) * 1000000000;
    min += floor_div(sec, 60);
    sec -= floor_div(sec, 60) * 60;
    hour += floor_div(min, 60);
    min -= floor_div(min, 60) * 60;
    day += floor_div(hour, 24);
    hour -= floor_div(hour, 24) * 24;
    int64_t days = days_from_civil(year, (int)m + 1, 1) + day - 1;
    int64_t usec = days * SECS_PER_DAY + hour * 3600 + min * 60 + sec;
    struct zinfo zi;
    char buf[48];
    zone_lookup(loc, usec, &zi, buf);
    if (zi.off != 0) {
        int64_t utc = usec - zi.off;
        if (utc < zi.start || utc >= zi.end)
            zone_lookup(loc, utc, &zi, buf);
        usec -= zi.off;
    }
    struct go_time t = {0};
    t.sec = usec;
    t.nsec = (int32_t)nsec;
    t.loc = loc == &utc_loc ? NULL : loc;
    return t;
}

/* ---- Format ---- */

enum std {
    STD_NONE,
    STD_LONG_MONTH,
    STD_MONTH,
    STD_NUM_MONTH,
    STD_ZERO_MONTH,
    STD_LONG_WEEKDAY,
    STD_WEEKDAY,
    STD_DAY,
    STD_UNDER_DAY,
    STD_ZERO_DAY,
    STD_UNDER_YEARDAY,
    STD_ZERO_YEARDAY,
    STD_HOUR,
    STD_HOUR12,
    STD_ZERO_HOUR12,
    STD_MINUTE,
    STD_ZERO_MINUTE,
    STD_SECOND,
    STD_ZERO_SECOND,
    STD_LONG_YEAR,
    STD_YEAR,
    STD_PM,
    STD_pm,
    STD_TZ,
    STD_ISO_TZ,           /* Z0700 */
    STD_ISO_SECONDS_TZ,   /* Z070000 */
    STD_ISO_SHORT_TZ,     /* Z07 */
    STD_ISO_COLON_TZ,     /* Z07:00 */
    STD_ISO_COLON_SEC_TZ, /* Z07:00:00 */
    STD_NUM_TZ,           /* -0700 */
    STD_NUM_SECONDS_TZ,   /* -070000 */
    STD_NUM_SHORT_TZ,     /* -07 */
    STD_NUM_COLON_TZ,     /* -07:00 */
    STD_NUM_COLON_SEC_TZ, /* -07:00:00 */
    STD_FRAC0,
    STD_FRAC9,
};

struct chunk {
    size_t prefix; /* bytes of literal text before the element */
    enum std std;
    size_t len; /* bytes of the element */
    int digits; /* fractional seconds */
    char sep;   /* '.' or ',' */
};

static bool
starts_lower(const char *s, size_t n)
{
    return n > 0 && s[0] >= 'a' && s[0] <= 'z';
}

static bool
at(const char *s, size_t n, size_t i, const char *w)
{
    size_t k = strlen(w);
    return n >= i + k && !memcmp(s + i, w, k);
}

/* nextStdChunk */
static void
next_std(const char *l, size_t n, struct chunk *c)
{
    static const enum std std0x[] = {STD_ZERO_MONTH,  STD_ZERO_DAY,    STD_ZERO_HOUR12,
                                     STD_ZERO_MINUTE, STD_ZERO_SECOND, STD_YEAR};
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < n; i++) {
        c->prefix = i;
        switch (l[i]) {
        case 'J':
            if (at(l, n, i, "Jan")) {
                if (at(l, n, i, "January")) {
                    c->std = STD_LONG_MONTH;
                    c->len = 7;
                    return;
                }
                if (!starts_lower(l + i + 3, n - i - 3)) {
                    c->std = STD_MONTH;
                    c->len = 3;
                    return;
                }
            }
            break;
        case 'M':
            if (n >= i + 3) {
                if (at(l, n, i, "Mon")) {
                    if (at(l, n, i, "Monday")) {
                        c->std = STD_LONG_WEEKDAY;
                        c->len = 6;
                        return;
                    }
                    if (!starts_lower(l + i + 3, n - i - 3)) {
                        c->std = STD_WEEKDAY;
                        c->len = 3;
                        return;
                    }
                }
                if (at(l, n, i, "MST")) {
                    c->std = STD_TZ;
                    c->len = 3;
                    return;
                }
            }
            break;
        case '0':
            if (n >= i + 2 && l[i + 1] >= '1' && l[i + 1] <= '6') {
                c->std = std0x[l[i + 1] - '1'];
                c->len = 2;
                return;
            }
            if (n >= i + 3 && l[i + 1] == '0' && l[i + 2] == '2') {
                c->std = STD_ZERO_YEARDAY;
                c->len = 3;
                return;
            }
            break;
        case '1':
            if (n >= i + 2 && l[i + 1] == '5') {
                c->std = STD_HOUR;
                c->len = 2;
                return;
            }
            c->std = STD_NUM_MONTH;
            c->len = 1;
            return;
        case '2':
            if (at(l, n, i, "2006")) {
                c->std = STD_LONG_YEAR;
                c->len = 4;
                return;
            }
            c->std = STD_DAY;
            c->len = 1;
            return;
        case '_':
            if (n >= i + 2 && l[i + 1] == '2') {
                if (n >= i + 5 && !memcmp(l + i + 1, "2006", 4)) {
                    c->prefix = i + 1;
                    c->std = STD_LONG_YEAR;
                    c->len = 4;
                    return;
                }
                c->std = STD_UNDER_DAY;
                c->len = 2;
                return;
            }
            if (n >= i + 3 && l[i + 1] == '_' && l[i + 2] == '2') {
                c->std = STD_UNDER_YEARDAY;
                c->len = 3;
                return;
            }
            break;
        case '3':
            c->std = STD_HOUR12;
            c->len = 1;
            return;
        case '4':
            c->std = STD_MINUTE;
            c->len = 1;
            return;
        case '5':
            c->std = STD_SECOND;
            c->len = 1;
            return;
        case 'P':
            if (n >= i + 2 && l[i + 1] == 'M') {
                c->std = STD_PM;
                c->len = 2;
                return;
            }
            break;
        case 'p':
            if (n >= i + 2 && l[i + 1] == 'm') {
                c->std = STD_pm;
                c->len = 2;
                return;
            }
            break;
        case '-':
            if (at(l, n, i, "-070000")) {
                c->std = STD_NUM_SECONDS_TZ;
                c->len = 7;
                return;
            }
            if (at(l, n, i, "-07:00:00")) {
                c->std = STD_NUM_COLON_SEC_TZ;
                c->len = 9;
                return;
            }
            if (at(l, n, i, "-0700")) {
                c->std = STD_NUM_TZ;
                c->len = 5;
                return;
            }
            if (at(l, n, i, "-07:00")) {
                c->std = STD_NUM_COLON_TZ;
                c->len = 6;
                return;
            }
            if (at(l, n, i, "-07")) {
                c->std = STD_NUM_SHORT_TZ;
                c->len = 3;
                return;
            }
            break;
        case 'Z':
            if (at(l, n, i, "Z070000")) {
                c->std = STD_ISO_SECONDS_TZ;
                c->len = 7;
                return;
            }
            if (at(l, n, i, "Z07:00:00")) {
                c->std = STD_ISO_COLON_SEC_TZ;
                c->len = 9;
                return;
            }
            if (at(l, n, i, "Z0700")) {
                c->std = STD_ISO_TZ;
                c->len = 5;
                return;
            }
            if (at(l, n, i, "Z07:00")) {
                c->std = STD_ISO_COLON_TZ;
                c->len = 6;
                return;
            }
            if (at(l, n, i, "Z07")) {
                c->std = STD_ISO_SHORT_TZ;
                c->len = 3;
                return;
            }
            break;
        case '.':
        case ',':
            if (i + 1 < n && (l[i + 1] == '0' || l[i + 1] == '9')) {
                char ch = l[i + 1];
                size_t j = i + 1;
                while (j < n && l[j] == ch)
                    j++;
                if (!(j < n && l[j] >= '0' && l[j] <= '9')) {
                    c->std = ch == '0' ? STD_FRAC0 : STD_FRAC9;
                    c->len = j - i;
                    c->digits = (int)((j - (i + 1)) & 0xfff);
                    c->sep = l[i];
                    return;
                }
            }
            break;
        default:
            break;
        }
    }
    c->prefix = n;
    c->std = STD_NONE;
}

static const char *const long_days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const long_months[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* appendInt with zero padding to width */
static void
append_int(struct sb *b, int64_t x, int width)
{
    uint64_t u = (uint64_t)x;
    if (x < 0) {
        sb_addch(b, '-');
        u = 0 - u;
    }
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (int pad = width - n; pad > 0; pad--)
        sb_addch(b, '0');
    while (n > 0)
        sb_addch(b, tmp[--n]);
}

static void
append_nano(struct sb *b, int32_t nsec, const struct chunk *c)
{
    bool trim = c->std == STD_FRAC9;
    int n = c->digits;
    if (trim && (n == 0 || nsec == 0))
        return;
    size_t start = b->len;
    sb_addch(b, c->sep);
    append_int(b, nsec, 9);
    if (n < 9)
        sb_setlen(b, b->len - 9 + (size_t)n);
    if (trim) {
        while (b->len > start && b->buf[b->len - 1] == '0')
            sb_setlen(b, b->len - 1);
        if (b->len > start && b->buf[b->len - 1] == c->sep)
            sb_setlen(b, b->len - 1);
    }
}

/* Time.Format */
static void
time_format(struct sb *b, const struct go_time *t, const char *layout, size_t n)
{
    struct zinfo zi;
    char zbuf[48];
    time_zone(t, &zi, zbuf);
    int64_t abs = t->sec + zi.off;
    int64_t days = floor_div(abs, SECS_PER_DAY);
    int64_t secs = abs - days * SECS_PER_DAY;
    int64_t year = 0;
    int month = 0, day = 0;
    civil_from_days(days, &year, &month, &day);
    int64_t yday = days - days_from_civil(year, 1, 1) + 1;
    int wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    int hour = (int)(secs / 3600), min = (int)(secs / 60 % 60), sec = (int)(secs % 60);
    while (n > 0) {
        struct chunk c;
        next_std(layout, n, &c);
        sb_add(b, layout, c.prefix);
        if (c.std == STD_NONE)
            break;
        layout += c.prefix + c.len;
        n -= c.prefix + c.len;
        switch (c.std) {
        case STD_YEAR: {
            int64_t y = year < 0 ? -year : year;
            append_int(b, y % 100, 2);
            break;
        }
        case STD_LONG_YEAR:
            append_int(b, year, 4);
            break;
        case STD_MONTH:
            sb_add(b, long_months[month - 1], 3);
            break;
        case STD_LONG_MONTH:
            sb_addstr(b, long_months[month - 1]);
            break;
        case STD_NUM_MONTH:
            append_int(b, month, 0);
            break;
        case STD_ZERO_MONTH:
            append_int(b, month, 2);
            break;
        case STD_WEEKDAY:
            sb_add(b, long_days[wday], 3);
            break;
        case STD_LONG_WEEKDAY:
            sb_addstr(b, long_days[wday]);
            break;
        case STD_DAY:
            append_int(b, day, 0);
            break;
        case STD_UNDER_DAY:
            if (day < 10)
                sb_addch(b, ' ');
            append_int(b, day, 0);
            break;
        case STD_ZERO_DAY:
            append_int(b, day, 2);
            break;
        case STD_UNDER_YEARDAY:
            if (yday < 100) {
                sb_addch(b, ' ');
                if (yday < 10)
                    sb_addch(b, ' ');
            }
            append_int(b, yday, 0);
            break;
        case STD_ZERO_YEARDAY:
            append_int(b, yday, 3);
            break;
        case STD_HOUR:
            append_int(b, hour, 2);
            break;
        case STD_HOUR12:
        case STD_ZERO_HOUR12: {
            int hr = hour % 12;
            if (hr == 0)
                hr = 12;
            append_int(b, hr, c.std == STD_ZERO_HOUR12 ? 2 : 0);
            break;
        }
        case STD_MINUTE:
            append_int(b, min, 0);
            break;
        case STD_ZERO_MINUTE:
            append_int(b, min, 2);
            break;
        case STD_SECOND:
            append_int(b, sec, 0);
            break;
        case STD_ZERO_SECOND:
            append_int(b, sec, 2);
            break;
        case STD_PM:
            sb_addstr(b, hour >= 12 ? "PM" : "AM");
            break;
        case STD_pm:
            sb_addstr(b, hour >= 12 ? "pm" : "am");
            break;
        case STD_ISO_TZ:
        case STD_ISO_COLON_TZ:
        case STD_ISO_SECONDS_TZ:
        case STD_ISO_SHORT_TZ:
        case STD_ISO_COLON_SEC_TZ:
        case STD_NUM_TZ:
        case STD_NUM_COLON_TZ:
        case STD_NUM_SECONDS_TZ:
        case STD_NUM_SHORT_TZ:
        case STD_NUM_COLON_SEC_TZ: {
            bool iso = c.std >= STD_ISO_TZ && c.std <= STD_ISO_COLON_SEC_TZ;
            if (zi.off == 0 && iso) {
                sb_addch(b, 'Z');
                break;
            }
            int zone = zi.off / 60, absoff = zi.off;
            if (zone < 0) {
                sb_addch(b, '-');
                zone = -zone;
                absoff = -absoff;
            } else {
                sb_addch(b, '+');
            }
            append_int(b, zone / 60, 2);
            if (c.std == STD_ISO_COLON_TZ || c.std == STD_NUM_COLON_TZ ||
                c.std == STD_ISO_COLON_SEC_TZ || c.std == STD_NUM_COLON_SEC_TZ)
                sb_addch(b, ':');
            if (c.std != STD_NUM_SHORT_TZ && c.std != STD_ISO_SHORT_TZ)
                append_int(b, zone % 60, 2);
            if (c.std == STD_ISO_SECONDS_TZ || c.std == STD_NUM_SECONDS_TZ ||
                c.std == STD_NUM_COLON_SEC_TZ || c.std == STD_ISO_COLON_SEC_TZ) {
                if (c.std == STD_NUM_COLON_SEC_TZ || c.std == STD_ISO_COLON_SEC_TZ)
                    sb_addch(b, ':');
                append_int(b, absoff % 60, 2);
            }
            break;
        }
        case STD_TZ:
            if (zi.name && *zi.name) {
                sb_addstr(b, zi.name);
                break;
            }
            {
                int zone = zi.off / 60;
                if (zone < 0) {
                    sb_addch(b, '-');
                    zone = -zone;
                } else {
                    sb_addch(b, '+');
                }
                append_int(b, zone / 60, 2);
                append_int(b, zone % 60, 2);
            }
            break;
        case STD_FRAC0:
        case STD_FRAC9:
            append_nano(b, t->nsec, &c);
            break;
        default:
            break;
        }
    }
}

/* Time.String() */
static void
time_string(struct sb *b, const struct go_time *t)
{
    static const char layout[] = "2006-01-02 15:04:05.999999999 -0700 MST";
    time_format(b, t, layout, sizeof(layout) - 1);
    if (t->mono) {
        uint64_t m2 = (uint64_t)t->mono_ns;
        char sign = '+';
        if (t->mono_ns < 0) {
            sign = '-';
            m2 = 0 - m2;
        }
        uint64_t m1 = m2 / 1000000000, m0;
        m2 %= 1000000000;
        m0 = m1 / 1000000000;
        m1 %= 1000000000;
        sb_addstr(b, " m=");
        sb_addch(b, sign);
        int wid = 0;
        if (m0 != 0) {
            append_int(b, (int64_t)m0, 0);
            wid = 9;
        }
        append_int(b, (int64_t)m1, wid);
        sb_addch(b, '.');
        append_int(b, (int64_t)m2, 9);
    }
}

/* ---- Parse ---- */

/* time's quote(): ASCII as is (with \" and \\), other bytes as \xNN */
static void
tquote(struct sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    sb_addch(b, '"');
    size_t w;
    for (size_t i = 0; i < n; i += w) {
        uint32_t c = utf8_rune(s + i, n - i, &w);
        if (c >= 0x80 || c < ' ') {
            size_t width = w;
            if (c == 0xFFFD) {
                width = 1;
                if (i + 2 < n && !memcmp(s + i, "\xEF\xBF\xBD", 3))
                    width = 3;
                w = width;
            }
            for (size_t j = 0; j < width; j++) {
                unsigned char ch = (unsigned char)s[i + j];
                sb_addstr(b, "\\x");
                sb_addch(b, hex[ch >> 4]);
                sb_addch(b, hex[ch & 15]);
            }
        } else {
            if (c == '"' || c == '\\')
                sb_addch(b, '\\');
            sb_addch(b, (int)c);
        }
    }
    sb_addch(b, '"');
}

struct perr {
    const char *layout, *value, *lelem, *velem, *msg;
    size_t layoutn, valuen, lelemn, velemn;
};

static void
parse_error(struct sb *b, const struct perr *e)
{
    sb_addstr(b, "parsing time ");
    tquote(b, e->value, e->valuen);
    if (e->msg) {
        sb_addstr(b, e->msg);
        if (!strcmp(e->msg, ": extra text: "))
            tquote(b, e->velem, e->velemn);
        return;
    }
    sb_addstr(b, " as ");
    tquote(b, e->layout, e->layoutn);
    sb_addstr(b, ": cannot parse ");
    tquote(b, e->velem, e->velemn);
    sb_addstr(b, " as ");
    tquote(b, e->lelem, e->lelemn);
}

static bool
is_digit_at(const char *s, size_t n, size_t i)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

/* getnum */
static bool
getnum(const char **s, size_t *n, bool fixed, int *out)
{
    if (!is_digit_at(*s, *n, 0))
        return false;
    if (!is_digit_at(*s, *n, 1)) {
        if (fixed)
            return false;
        *out = (*s)[0] - '0';
        (*s)++;
        (*n)--;
        return true;
    }
    *out = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
    *s += 2;
    *n -= 2;
    return true;
}

static bool
getnum3(const char **s, size_t *n, bool fixed, int *out)
{
    int v = 0;
    size_t i;
    for (i = 0; i < 3 && is_digit_at(*s, *n, i); i++)
        v = v * 10 + ((*s)[i] - '0');
    if (i == 0 || (fixed && i != 3))
        return false;
    *out = v;
    *s += i;
    *n -= i;
    return true;
}

/* lookup in a name table, case-insensitively (ASCII) */
static bool
name_lookup(const char *const *tab, size_t tn, size_t len, const char **s, size_t *n, int *out)
{
    for (size_t i = 0; i < tn; i++) {
        size_t l = len ? len : strlen(tab[i]);
        if (*n < l)
            continue;
        bool ok = true;
        for (size_t k = 0; k < l && ok; k++) {
            unsigned char c1 = (unsigned char)(*s)[k], c2 = (unsigned char)tab[i][k];
            if (c1 != c2) {
                c1 |= 0x20;
                c2 |= 0x20;
                ok = c1 == c2 && c1 >= 'a' && c1 <= 'z';
            }
        }
        if (ok) {
            *out = (int)i;
            *s += l;
            *n -= l;
            return true;
        }
    }
    return false;
}

/* atoi of time: optional sign and digits, all consumed */
static bool
tatoi(const char *s, size_t n, int *out)
{
    bool neg = false;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    uint64_t x = 0;
    size_t i = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (x > (1ull << 63) / 10)
            return false;
        x = x * 10 + (uint64_t)(s[i] - '0');
        if (x > 1ull << 63)
            return false;
    }
    if (i != n)
        return false;
    *out = (int)(neg ? -(int64_t)x : (int64_t)x);
    return true;
}

/* parseNanoseconds: value starts with the separator */
static bool
parse_nanos(const char *v, size_t nbytes, int *ns, const char **range)
{
    if (v[0] != '.' && v[0] != ',')
        return false;
    if (nbytes > 10)
        nbytes = 10;
    int x;
    if (!tatoi(v + 1, nbytes - 1, &x))
        return false;
    if (x < 0) {
        *range = "fractional second";
        return true;
    }
    for (size_t i = 0; i < 10 - nbytes; i++)
        x *= 10;
    *ns = x;
    return true;
}

/* parseSignedOffset */
static size_t
signed_offset(const char *v, size_t n)
{
    if (n == 0 || (v[0] != '-' && v[0] != '+'))
        return 0;
    size_t i = 1;
    uint64_t x = 0;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
        x = x * 10 + (uint64_t)(v[i] - '0');
        if (x > 1000)
            x = 1000;
    }
    if (i == 1 || x > 23)
        return 0;
    return i;
}

/* parseTimeZone */
static size_t
parse_tz_name(const char *v, size_t n)
{
    if (n < 3)
        return 0;
    if (n >= 4 && (!memcmp(v, "ChST", 4) || !memcmp(v, "MeST", 4)))
        return 4;
    if (!memcmp(v, "GMT", 3))
        return n == 3 ? 3 : 3 + signed_offset(v + 3, n - 3);
    if (v[0] == '+' || v[0] == '-')
        return signed_offset(v, n);
    size_t up = 0;
    for (; up < 6 && up < n; up++)
        if (v[up] < 'A' || v[up] > 'Z')
            break;
    switch (up) {
    case 5:
        return v[4] == 'T' ? 5 : 0;
    case 4:
        return v[3] == 'T' || !memcmp(v, "WITA", 4) ? 4 : 0;
    case 3:
        return 3;
    default:
        return 0;
    }
}

/* Location.lookupName */
static bool
lookup_name(const struct tz_loc *l, const char *name, size_t nn, int64_t usec, int32_t *off)
{
    char buf[48];
    for (size_t i = 0; i < l->nz; i++) {
        const struct tz_zone *z = &l->zones[i];
        if (strlen(z->name) == nn && !memcmp(z->name, name, nn)) {
            struct zinfo zi;
            zone_lookup(l, usec - z->off, &zi, buf);
            if (strlen(zi.name) == nn && !memcmp(zi.name, name, nn)) {
                *off = zi.off;
                return true;
            }
        }
    }
    for (size_t i = 0; i < l->nz; i++) {
        const struct tz_zone *z = &l->zones[i];
        if (strlen(z->name) == nn && !memcmp(z->name, name, nn)) {
            *off = z->off;
            return true;
        }
    }
    return false;
}

/* time.ParseInLocation(layout, value, loc): 0, or -1 with Go's message */
static int
time_parse(struct go_time *out, const char *layout, size_t ln, const char *value, size_t vn,
           const struct tz_loc *loc, struct sb *err)
{
    struct perr e = {layout, value, NULL, NULL, NULL, ln, vn, 0, 0};
    const char *range = NULL;
    bool am = false, pm = false;
    int year = 0, month = -1, day = -1, yday = -1, hour = 0, min = 0, sec = 0, nsec = 0;
    bool z_utc = false;
    int zone_off = -1;
    const char *zname = NULL;
    size_t znn = 0;
    const char *l = layout, *v = value;
    size_t lnl = ln, vnl = vn;
    for (;;) {
        struct chunk c;
        next_std(l, lnl, &c);
        const char *stdstr = l + c.prefix;
        size_t stdlen = c.len;
        /* skip(value, prefix) */
        const char *pre = l;
        size_t pn = c.prefix;
        bool bad = false;
        while (pn > 0) {
            if (pre[0] == ' ') {
                if (vnl > 0 && v[0] != ' ') {
                    bad = true;
                    break;
                }
                while (pn > 0 && pre[0] == ' ') {
                    pre++;
                    pn--;
                }
                while (vnl > 0 && v[0] == ' ') {
                    v++;
                    vnl--;
                }
                continue;
            }
            if (vnl == 0 || v[0] != pre[0]) {
                bad = true;
                break;
            }
            pre++;
            pn--;
            v++;
            vnl--;
        }
        if (bad) {
            e.lelem = l;
            e.lelemn = c.prefix;
            e.velem = v;
            e.velemn = vnl;
            parse_error(err, &e);
            return -1;
        }
        if (c.std == STD_NONE) {
            if (vnl != 0) {
                e.msg = ": extra text: ";
                e.velem = v;
                e.velemn = vnl;
                parse_error(err, &e);
                return -1;
            }
            break;
        }
        l += c.prefix + c.len;
        lnl -= c.prefix + c.len;
        const char *hold = v;
        size_t holdn = vnl;
        bool ok = true;
        switch (c.std) {
        case STD_YEAR:
            if (vnl < 2 || !tatoi(v, 2, &year)) {
                ok = false;
                if (vnl >= 2) {
                    v += 2;
                    vnl -= 2;
                }
                break;
            }
            v += 2;
            vnl -= 2;
            year += year >= 69 ? 1900 : 2000;
            break;
        case STD_LONG_YEAR:
            if (vnl < 4 || !is_digit_at(v, vnl, 0)) {
                ok = false;
                break;
            }
            ok = tatoi(v, 4, &year);
            v += 4;
            vnl -= 4;
            break;
        case STD_MONTH:
            ok = name_lookup(long_months, 12, 3, &v, &vnl, &month);
            month++;
            break;
        case STD_LONG_MONTH:
            ok = name_lookup(long_months, 12, 0, &v, &vnl, &month);
            month++;
            break;
        case STD_NUM_MONTH:
        case STD_ZERO_MONTH:
            ok = getnum(&v, &vnl, c.std == STD_ZERO_MONTH, &month);
            if (ok && (month <= 0 || month > 12))
                range = "month";
            break;
        case STD_WEEKDAY: {
            int wd;
            ok = name_lookup(long_days, 7, 3, &v, &vnl, &wd);
            break;
        }
        case STD_LONG_WEEKDAY: {
            int wd;
            ok = name_lookup(long_days, 7, 0, &v, &vnl, &wd);
            break;
        }
        case STD_DAY:
        case STD_UNDER_DAY:
        case STD_ZERO_DAY:
            if (c.std == STD_UNDER_DAY && vnl > 0 && v[0] == ' ') {
                v++;
                vnl--;
            }
            ok = getnum(&v, &vnl, c.std == STD_ZERO_DAY, &day);
            break;
        case STD_UNDER_YEARDAY:
        case STD_ZERO_YEARDAY:
            for (int i = 0; i < 2; i++)
                if (c.std == STD_UNDER_YEARDAY && vnl > 0 && v[0] == ' ') {
                    v++;
                    vnl--;
                }
            ok = getnum3(&v, &vnl, c.std == STD_ZERO_YEARDAY, &yday);
            break;
        case STD_HOUR:
            ok = getnum(&v, &vnl, false, &hour);
            if (hour < 0 || hour >= 24)
                range = "hour";
            break;
        case STD_HOUR12:
        case STD_ZERO_HOUR12:
            ok = getnum(&v, &vnl, c.std == STD_ZERO_HOUR12, &hour);
            if (hour < 0 || hour > 12)
                range = "hour";
            break;
        case STD_MINUTE:
        case STD_ZERO_MINUTE:
            ok = getnum(&v, &vnl, c.std == STD_ZERO_MINUTE, &min);
            if (min < 0 || min >= 60)
                range = "minute";
            break;
        case STD_SECOND:
        case STD_ZERO_SECOND:
            ok = getnum(&v, &vnl, c.std == STD_ZERO_SECOND, &sec);
            if (!ok)
                break;
            if (sec < 0 || sec >= 60) {
                range = "second";
                break;
            }
            if (vnl >= 2 && (v[0] == '.' || v[0] == ',') && is_digit_at(v, vnl, 1)) {
                struct chunk nc;
                next_std(l, lnl, &nc);
                if (nc.std == STD_FRAC0 || nc.std == STD_FRAC9)
                    break;
                size_t k = 2;
                while (k < vnl && is_digit_at(v, vnl, k))
                    k++;
                ok = parse_nanos(v, k, &nsec, &range);
                v += k;
                vnl -= k;
            }
            break;
        case STD_PM:
        case STD_pm:
            if (vnl < 2) {
                ok = false;
                break;
            }
            if (!memcmp(v, c.std == STD_PM ? "PM" : "pm", 2))
                pm = true;
            else if (!memcmp(v, c.std == STD_PM ? "AM" : "am", 2))
                am = true;
            else
                ok = false;
            v += 2;
            vnl -= 2;
            break;
        case STD_ISO_TZ:
        case STD_ISO_SHORT_TZ:
        case STD_ISO_COLON_TZ:
        case STD_ISO_SECONDS_TZ:
        case STD_ISO_COLON_SEC_TZ:
            if (vnl >= 1 && v[0] == 'Z') {
                v++;
                vnl--;
                z_utc = true;
                break;
            }
            /* fallthrough */
        case STD_NUM_TZ:
        case STD_NUM_SHORT_TZ:
        case STD_NUM_COLON_TZ:
        case STD_NUM_SECONDS_TZ:
        case STD_NUM_COLON_SEC_TZ: {
            const char *sg, *hh, *mm, *ss = "00";
            if (c.std == STD_ISO_COLON_TZ || c.std == STD_NUM_COLON_TZ) {
                if (vnl < 6 || v[3] != ':') {
                    ok = false;
                    break;
                }
                sg = v;
                hh = v + 1;
                mm = v + 4;
                v += 6;
                vnl -= 6;
            } else if (c.std == STD_NUM_SHORT_TZ || c.std == STD_ISO_SHORT_TZ) {
                if (vnl < 3) {
                    ok = false;
                    break;
                }
                sg = v;
                hh = v + 1;
                mm = "00";
                v += 3;
                vnl -= 3;
            } else if (c.std == STD_ISO_COLON_SEC_TZ || c.std == STD_NUM_COLON_SEC_TZ) {
                if (vnl < 9 || v[3] != ':' || v[6] != ':') {
                    ok = false;
                    break;
                }
                sg = v;
                hh = v + 1;
                mm = v + 4;
                ss = v + 7;
                v += 9;
                vnl -= 9;
            } else if (c.std == STD_ISO_SECONDS_TZ || c.std == STD_NUM_SECONDS_TZ) {
                if (vnl < 7) {
                    ok = false;
                    break;
                }
                sg = v;
                hh = v + 1;
                mm = v + 3;
                ss = v + 5;
                v += 7;
                vnl -= 7;
            } else {
                if (vnl < 5) {
                    ok = false;
                    break;
                }
                sg = v;
                hh = v + 1;
                mm = v + 3;
                v += 5;
                vnl -= 5;
            }
            int hr = 0, mn = 0, sc = 0;
            const char *p;
            size_t k;
            p = hh;
            k = 2;
            ok = getnum(&p, &k, true, &hr);
            if (ok) {
                p = mm;
                k = 2;
                ok = getnum(&p, &k, true, &mn);
                if (ok) {
                    p = ss;
                    k = 2;
                    ok = getnum(&p, &k, true, &sc);
                }
            }
            if (hr > 24)
                range = "time zone offset hour";
            if (mn > 60)
                range = "time zone offset minute";
            if (sc > 60)
                range = "time zone offset second";
            zone_off = (hr * 60 + mn) * 60 + sc;
            if (sg[0] == '-')
                zone_off = -zone_off;
            else if (sg[0] != '+')
                ok = false;
            break;
        }
        case STD_TZ: {
            if (vnl >= 3 && !memcmp(v, "UTC", 3)) {
                z_utc = true;
                v += 3;
                vnl -= 3;
                break;
            }
            size_t k = parse_tz_name(v, vnl);
            if (k == 0) {
                ok = false;
                break;
            }
            zname = v;
            znn = k;
            v += k;
            vnl -= k;
            break;
        }
        case STD_FRAC0: {
            size_t nd = 1 + (size_t)c.digits;
            if (vnl < nd) {
                ok = false;
                break;
            }
            ok = parse_nanos(v, nd, &nsec, &range);
            v += nd;
            vnl -= nd;
            break;
        }
        case STD_FRAC9: {
            if (vnl < 2 || (v[0] != '.' && v[0] != ',') || v[1] < '0' || v[1] > '9')
                break;
            size_t i = 0;
            while (i + 1 < vnl && v[i + 1] >= '0' && v[i + 1] <= '9')
                i++;
            ok = parse_nanos(v, 1 + i, &nsec, &range);
            v += 1 + i;
            vnl -= 1 + i;
            break;
        }
        default:
            break;
        }
        if (range) {
            e.lelem = stdstr;
            e.lelemn = stdlen;
            e.velem = v;
            e.velemn = vnl;
            struct sb m = SB_INIT;
            sb_addf(&m, ": %s out of range", range);
            e.msg = m.buf;
            sb_addstr(err, "parsing time ");
            tquote(err, value, vn);
            sb_addstr(err, m.buf);
            sb_release(&m);
            return -1;
        }
        if (!ok) {
            e.lelem = stdstr;
            e.lelemn = stdlen;
            e.velem = hold;
            e.velemn = holdn;
            parse_error(err, &e);
            return -1;
        }
    }
    if (pm && hour < 12)
        hour += 12;
    else if (am && hour == 12)
        hour = 0;
    if (yday >= 0) {
        int d = 0, m = 0;
        if (is_leap(year)) {
            if (yday == 31 + 29) {
                m = 2;
                d = 29;
            } else if (yday > 31 + 29) {
                yday--;
            }
        }
        if (yday < 1 || yday > 365) {
            e.msg = ": day-of-year out of range";
            parse_error(err, &e);
            return -1;
        }
        if (m == 0) {
            m = (yday - 1) / 31 + 1;
            if (days_before[m] < yday)
                m++;
            d = yday - days_before[m - 1];
        }
        if (month >= 0 && month != m) {
            e.msg = ": day-of-year does not match month";
            parse_error(err, &e);
            return -1;
        }
        month = m;
        if (day >= 0 && day != d) {
            e.msg = ": day-of-year does not match day";
            parse_error(err, &e);
            return -1;
        }
        day = d;
    } else {
        if (month < 0)
            month = 1;
        if (day < 0)
            day = 1;
    }
    if (day < 1 || day > days_in(month, year)) {
        e.msg = ": day out of range";
        parse_error(err, &e);
        return -1;
    }
    if (z_utc) {
        *out = time_date(year, month, day, hour, min, sec, nsec, &utc_loc);
        return 0;
    }
    if (zone_off != -1) {
        struct go_time t = time_date(year, month, day, hour, min, sec, nsec, &utc_loc);
        t.sec -= zone_off;
        struct zinfo zi;
        char buf[48];
        zone_lookup(loc, t.sec, &zi, buf);
        if (zi.off == zone_off &&
            (!zname || (strlen(zi.name) == znn && !memcmp(zi.name, zname, znn)))) {
            t.loc = loc == &utc_loc ? NULL : loc;
            *out = t;
            return 0;
        }
        t.fixed = true;
        t.fixed_off = zone_off;
        size_t k = znn < sizeof(t.fixed_name) ? znn : sizeof(t.fixed_name) - 1;
        if (zname)
            memcpy(t.fixed_name, zname, k);
        *out = t;
        return 0;
    }
    if (zname) {
        struct go_time t = time_date(year, month, day, hour, min, sec, nsec, &utc_loc);
        int32_t off = 0;
        if (lookup_name(loc, zname, znn, t.sec, &off)) {
            t.sec -= off;
            t.loc = loc == &utc_loc ? NULL : loc;
            *out = t;
            return 0;
        }
        if (znn > 3 && !memcmp(zname, "GMT", 3)) {
            int h = 0;
            tatoi(zname + 3, znn - 3, &h);
            off = h * 3600;
        }
        t.fixed = true;
        t.fixed_off = off;
        size_t k = znn < sizeof(t.fixed_name) ? znn : sizeof(t.fixed_name) - 1;
        memcpy(t.fixed_name, zname, k);
        *out = t;
        return 0;
    }
    *out = time_date(year, month, day, hour, min, sec, nsec, loc);
    return 0;
}

/* ---- durations ---- */

/* Duration.String() */
static void
duration_string(struct sb *b, int64_t d)
{
    char buf[32];
    int w = (int)sizeof(buf);
    uint64_t u = (uint64_t)d;
    bool neg = d < 0;
    if (neg)
        u = 0 - u;
    if (u < 1000000000ull) {
        int prec;
        buf[--w] = 's';
        w--;
        if (u == 0) {
            sb_addstr(b, "0s");
            return;
        } else if (u < 1000ull) {
            prec = 0;
            buf[w] = 'n';
        } else if (u < 1000000ull) {
            prec = 3;
            w--;
            memcpy(buf + w, "\xC2\xB5", 2);
        } else {
            prec = 6;
            buf[w] = 'm';
        }
        bool print = false;
        for (int i = 0; i < prec; i++) {
            int digit = (int)(u % 10);
            print = print || digit != 0;
            if (print)
                buf[--w] = (char)('0' + digit);
            u /= 10;
        }
        if (print)
            buf[--w] = '.';
        do {
            buf[--w] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
    } else {
        buf[--w] = 's';
        bool print = false;
        for (int i = 0; i < 9; i++) {
            int digit = (int)(u % 10);
            print = print || digit != 0;
            if (print)
                buf[--w] = (char)('0' + digit);
            u /= 10;
        }
        if (print)
            buf[--w] = '.';
        uint64_t s = u % 60;
        do {
            buf[--w] = (char)('0' + s % 10);
            s /= 10;
        } while (s);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            uint64_t m = u % 60;
            do {
                buf[--w] = (char)('0' + m % 10);
                m /= 10;
            } while (m);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                do {
                    buf[--w] = (char)('0' + u % 10);
                    u /= 10;
                } while (u);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    sb_add(b, buf + w, sizeof(buf) - (size_t)w);
}

/* time.ParseDuration: 0, or -1 with Go's message */
static int
parse_duration(const char *s, size_t n, int64_t *out, struct sb *err)
{
    const char *orig = s;
    size_t on = n;
    uint64_t d = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    if (n == 1 && s[0] == '0') {
        *out = 0;
        return 0;
    }
    if (n == 0)
        goto invalid;
    while (n > 0) {
        uint64_t v = 0, f = 0;
        double scale = 1;
        if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
            goto invalid;
        size_t i = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (v > (1ull << 63) / 10)
                goto invalid;
            v = v * 10 + (uint64_t)(s[i] - '0');
            if (v > 1ull << 63)
                goto invalid;
        }
        bool pre = i > 0;
        s += i;
        n -= i;
        bool post = false;
        if (n > 0 && s[0] == '.') {
            s++;
            n--;
            bool overflow = false;
            size_t k = 0;
            for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
                if (overflow)
                    continue;
                if (f > ((1ull << 63) - 1) / 10) {
                    overflow = true;
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(s[k] - '0');
                if (y > 1ull << 63) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            post = k > 0;
            s += k;
            n -= k;
        }
        if (!pre && !post)
            goto invalid;
        size_t u = 0;
        while (u < n && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9'))
            u++;
        if (u == 0) {
            sb_addstr(err, "time: missing unit in duration ");
            tquote(err, orig, on);
            return -1;
        }
        uint64_t unit = 0;
        static const struct {
            const char *name;
            uint64_t ns;
        } units[] = {
            {"ns", 1},       {"us", 1000},         {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
            {"ms", 1000000}, {"s", 1000000000ull}, {"m", 60000000000ull}, {"h", 3600000000000ull}};
        for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++)
            if (strlen(units[k].name) == u && !memcmp(units[k].name, s, u))
                unit = units[k].ns;
        if (!unit) {
            sb_addstr(err, "time: unknown unit ");
            tquote(err, s, u);
            sb_addstr(err, " in duration ");
            tquote(err, orig, on);
            return -1;
        }
        s += u;
        n -= u;
        if (v > (1ull << 63) / unit)
            goto invalid;
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > 1ull << 63)
                goto invalid;
        }
        d += v;
        if (d > 1ull << 63)
            goto invalid;
    }
    if (neg) {
        *out = (int64_t)(0 - d);
        return 0;
    }
    if (d > (1ull << 63) - 1)
        goto invalid;
    *out = (int64_t)d;
    return 0;
invalid:
    sb_addstr(err, "time: invalid duration ");
    tquote(err, orig, on);
    return -1;
}

/* ---- the time.Time object ---- */

static void time_obj_string(struct sb *out, const struct val *obj);
static void time_obj_gostring(struct sb *out, const struct val *obj);
static struct val *time_to_val(struct arena *a, const struct val *obj);
extern const struct tmpl_method time_methods[];

static const struct tmpl_objtype time_type = {
    .base = {.name = "time.Time", .to_val = time_to_val},
    .kind = TMPL_OBJ_STRUCT,
    .methods = time_methods,
    .string = time_obj_string,
    .gostring = time_obj_gostring,
};

static struct val *
mk_time(struct arena *a, const struct go_time *t)
{
    struct go_time *p = arena_alloc(a, sizeof(*p));
    *p = *t;
    return val_obj(a, &time_type.base, p);
}

static const struct go_time *
time_of(const struct val *v)
{
    if (v && v->kind == VAL_OBJ && v->u.obj.type == &time_type.base)
        return v->u.obj.ptr;
    return NULL;
}

static void
time_obj_string(struct sb *out, const struct val *obj)
{
    time_string(out, time_of(obj));
}

static const char *const month_names[12];
static void fields(const struct go_time *t, int64_t *year, int *month, int *day, int64_t *yday,
                   int64_t *secs);

/* Time.GoString: time.Date(2024, time.January, 1, 0, 0, 0, 0, time.Local) */
static void
time_obj_gostring(struct sb *out, const struct val *obj)
{
    const struct go_time *t = time_of(obj);
    int64_t year, yday, secs;
    int month, day;
    fields(t, &year, &month, &day, &yday, &secs);
    sb_addf(out, "time.Date(%lld, time.%s, %d, %lld, %lld, %lld, %d, ", (long long)year,
            month_names[month - 1], day, (long long)(secs / 3600), (long long)(secs / 60 % 60),
            (long long)(secs % 60), (int)t->nsec);
    if (!t->fixed && (!t->loc || t->loc == &utc_loc)) {
        sb_addstr(out, "time.UTC");
    } else if (!t->fixed && t->loc == get_local()) {
        sb_addstr(out, "time.Local");
    } else {
        const char *name = t->fixed ? t->fixed_name : t->loc->name;
        sb_addstr(out, "time.Location(");
        tmpl_quote(out, name, strlen(name));
        sb_addch(out, ')');
    }
    sb_addch(out, ')');
}

/* MarshalJSON / MarshalText: RFC 3339 with nanoseconds */
static struct val *
time_to_val(struct arena *a, const struct val *obj)
{
    struct sb b = SB_INIT;
    static const char layout[] = "2006-01-02T15:04:05.999999999Z07:00";
    time_format(&b, time_of(obj), layout, sizeof(layout) - 1);
    struct val *v = val_str(a, b.buf, b.len);
    sb_release(&b);
    return v;
}

static struct go_time
strip_mono(struct go_time t)
{
    t.mono = false;
    return t;
}

static int
m_format(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    size_t n;
    const char *l = tmpl_arg_str(c, 0, &n);
    struct sb b = SB_INIT;
    time_format(&b, time_of(recv), l, n);
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
m_string(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct sb b = SB_INIT;
    time_string(&b, time_of(recv));
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
m_unix(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkint64(c, time_of(recv)->sec);
    return 0;
}

static int
m_unix_milli(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    *out = tmpl_mkint64(c, t->sec * 1000 + t->nsec / 1000000);
    return 0;
}

static int
m_unix_nano(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    *out = tmpl_mkint64(c, (int64_t)((uint64_t)t->sec * 1000000000u + (uint64_t)t->nsec));
    return 0;
}

/* year, month, day, hour... in the time's zone */
static void
fields(const struct go_time *t, int64_t *year, int *month, int *day, int64_t *yday, int64_t *secs)
{
    struct zinfo zi;
    char zbuf[48];
    time_zone(t, &zi, zbuf);
    int64_t abs = t->sec + zi.off;
    int64_t days = floor_div(abs, SECS_PER_DAY);
    *secs = abs - days * SECS_PER_DAY;
    civil_from_days(days, year, month, day);
    *yday = days - days_from_civil(*year, 1, 1) + 1;
}

enum field { F_YEAR, F_DAY, F_HOUR, F_MINUTE, F_SECOND, F_NANO, F_YDAY };

static int
m_field(struct tmpl_call *c, const struct val *recv, struct val **out, enum field f)
{
    const struct go_time *t = time_of(recv);
    int64_t year, yday, secs;
    int month, day;
    fields(t, &year, &month, &day, &yday, &secs);
    int64_t r = 0;
    switch (f) {
    case F_YEAR:
        r = year;
        break;
    case F_DAY:
        r = day;
        break;
    case F_HOUR:
        r = secs / 3600;
        break;
    case F_MINUTE:
        r = secs / 60 % 60;
        break;
    case F_SECOND:
        r = secs % 60;
        break;
    case F_NANO:
        r = t->nsec;
        break;
    case F_YDAY:
        r = yday;
        break;
    }
    *out = tmpl_mkint(c, r);
    return 0;
}

#define FIELD_METHOD(fn, f)                                                                        \
    static int fn(struct tmpl_call *c, const struct val *recv, struct val **out)                   \
    {                                                                                              \
        return m_field(c, recv, out, f);                                                           \
    }
FIELD_METHOD(m_year, F_YEAR)
FIELD_METHOD(m_day, F_DAY)
FIELD_METHOD(m_hour, F_HOUR)
FIELD_METHOD(m_minute, F_MINUTE)
FIELD_METHOD(m_second, F_SECOND)
FIELD_METHOD(m_nanosecond, F_NANO)
FIELD_METHOD(m_year_day, F_YDAY)

static int
m_utc(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct go_time t = strip_mono(*time_of(recv));
    t.loc = NULL;
    t.fixed = false;
    *out = mk_time(c->a, &t);
    return 0;
}

static int
m_local(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct go_time t = strip_mono(*time_of(recv));
    t.loc = get_local();
    t.fixed = false;
    *out = mk_time(c->a, &t);
    return 0;
}

static int
m_is_zero(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    *out = tmpl_mkbool(c, t->sec == ZERO_SEC && t->nsec == 0);
    return 0;
}

/* Before/After/Equal compare monotonic readings when both have them */
static int
tcmp(const struct go_time *a, const struct go_time *b)
{
    if (a->mono && b->mono)
        return a->mono_ns < b->mono_ns ? -1 : a->mono_ns > b->mono_ns;
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

static int
m_before(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkbool(c, tcmp(time_of(recv), time_of(c->argv[0])) < 0);
    return 0;
}

static int
m_after(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkbool(c, tcmp(time_of(recv), time_of(c->argv[0])) > 0);
    return 0;
}

static int
m_equal(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkbool(c, tcmp(time_of(recv), time_of(c->argv[0])) == 0);
    return 0;
}

/* AddDate: Date(year+y, month+m, day+d, ...) in the time's location */
static int
m_add_date(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    int64_t year, yday, secs;
    int month, day;
    fields(t, &year, &month, &day, &yday, &secs);
    const struct tz_loc *loc = t->loc ? t->loc : &utc_loc;
    struct go_time r =
        time_date(year + tmpl_arg_int(c, 0), month + tmpl_arg_int(c, 1), day + tmpl_arg_int(c, 2),
                  secs / 3600, secs / 60 % 60, secs % 60, t->nsec, loc);
    if (t->fixed) {
        /* a fixed zone keeps its offset */
        struct go_time u = time_date(year + tmpl_arg_int(c, 0), month + tmpl_arg_int(c, 1),
                                     day + tmpl_arg_int(c, 2), secs / 3600, secs / 60 % 60,
                                     secs % 60, t->nsec, &utc_loc);
        u.sec -= t->fixed_off;
        u.fixed = true;
        u.fixed_off = t->fixed_off;
        memcpy(u.fixed_name, t->fixed_name, sizeof(u.fixed_name));
        r = u;
    }
    *out = mk_time(c->a, &r);
    return 0;
}

/* ---- time.Duration, time.Month, time.Weekday, *time.Location ---- */

static struct go_time time_add(struct go_time t, int64_t d);
static int64_t time_sub(const struct go_time *t2, const struct go_time *t1);

static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

bool
tmpl_int_stringer(struct sb *out, const struct val *v)
{
    if (!v || v->kind != VAL_INT)
        return false;
    int64_t i = v->u.i;
    switch (v->gotype) {
    case TMPL_GO_DURATION:
        duration_string(out, i);
        return true;
    case TMPL_GO_MONTH:
        if (i >= 1 && i <= 12)
            sb_addstr(out, month_names[i - 1]);
        else
            sb_addf(out, "%%!Month(%lld)", (long long)i);
        return true;
    case TMPL_GO_WEEKDAY:
        if (i >= 0 && i <= 6)
            sb_addstr(out, day_names[i]);
        else
            sb_addf(out, "%%!Weekday(%lld)", (long long)i);
        return true;
    default:
        return false;
    }
}

static struct val *
mk_typed_int(struct tmpl_call *c, int64_t i, int gotype)
{
    struct val *v = tmpl_mkint(c, i);
    v->gotype = (uint8_t)gotype;
    return v;
}

/* A *time.Location: the zone a time.Time carries (Location()), printed by
 * its String() (the name: "Local", "UTC", "America/New_York", or a fixed
 * zone's name); it has no exported fields. */
struct go_locref {
    const struct tz_loc *loc; /* NULL: UTC */
    bool fixed;
    int32_t fixed_off;
    char fixed_name[24];
};

static void
loc_obj_string(struct sb *out, const struct val *obj)
{
    const struct go_locref *l = obj->u.obj.ptr;
    sb_addstr(out, l->fixed ? l->fixed_name : l->loc ? l->loc->name : "UTC");
}

static struct val *
loc_to_val(struct arena *a, const struct val *obj)
{
    (void)obj;
    struct val *m = val_map(a);
    m->flags |= VAL_F_STRUCT;
    return m;
}

static const struct tmpl_objtype loc_type = {
    .base = {.name = "*time.Location", .to_val = loc_to_val},
    .kind = TMPL_OBJ_POINTER,
    .string = loc_obj_string,
};

static int
m_location(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    struct go_locref *l = arena_alloc(c->a, sizeof(*l));
    memset(l, 0, sizeof(*l));
    l->loc = t->loc == &utc_loc ? NULL : t->loc;
    l->fixed = t->fixed;
    l->fixed_off = t->fixed_off;
    memcpy(l->fixed_name, t->fixed_name, sizeof(l->fixed_name));
    *out = val_obj(c->a, &loc_type.base, l);
    return 0;
}

static int
m_in(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct val *lv = c->argv[0];
    if (!lv || lv->kind != VAL_OBJ)
        return tmpl_fail(c, "time: missing Location in call to Time.In");
    const struct go_locref *l = lv->u.obj.ptr;
    struct go_time t = strip_mono(*time_of(recv));
    t.loc = l->loc;
    t.fixed = l->fixed;
    t.fixed_off = l->fixed_off;
    memcpy(t.fixed_name, l->fixed_name, sizeof(t.fixed_name));
    *out = mk_time(c->a, &t);
    return 0;
}

static int
m_month(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    int64_t year, yday, secs;
    int month, day;
    fields(time_of(recv), &year, &month, &day, &yday, &secs);
    *out = mk_typed_int(c, month, TMPL_GO_MONTH);
    return 0;
}

static int
m_weekday(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    struct zinfo zi;
    char zbuf[48];
    time_zone(t, &zi, zbuf);
    /* 1970-01-01 was a Thursday */
    int64_t days = floor_div(t->sec + zi.off, SECS_PER_DAY);
    int64_t wd = (days + 4) % 7;
    if (wd < 0)
        wd += 7;
    *out = mk_typed_int(c, wd, TMPL_GO_WEEKDAY);
    return 0;
}

static int
m_unix_micro(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    const struct go_time *t = time_of(recv);
    *out = tmpl_mkint64(c, t->sec * 1000000 + t->nsec / 1000);
    return 0;
}

static int
m_compare(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = tmpl_mkint(c, tcmp(time_of(recv), time_of(c->argv[0])));
    return 0;
}

static int
m_add(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    struct go_time t = time_add(*time_of(recv), c->argv[0]->u.i);
    *out = mk_time(c->a, &t);
    return 0;
}

static int
m_sub(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    *out = mk_typed_int(c, time_sub(time_of(recv), time_of(c->argv[0])), TMPL_GO_DURATION);
    return 0;
}

/* Time.Truncate and Time.Round: the remainder of the time since January
 * 1, year 1 (Go's absolute zero), divided by d */
static int
truncate_round(struct tmpl_call *c, const struct val *recv, struct val **out, bool round)
{
    struct go_time t = strip_mono(*time_of(recv));
    int64_t d = c->argv[0]->u.i;
    if (d > 0) {
        __int128 total = ((__int128)t.sec - ZERO_SEC) * 1000000000 + t.nsec;
        __int128 r = total % d;
        if (r < 0)
            r += d;
        int64_t ri = (int64_t)r;
        if (!round || (uint64_t)ri + (uint64_t)ri < (uint64_t)d)
            t = time_add(t, -ri);
        else
            t = time_add(t, d - ri);
    }
    *out = mk_time(c->a, &t);
    return 0;
}

static int
m_truncate(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return truncate_round(c, recv, out, false);
}

static int
m_round(struct tmpl_call *c, const struct val *recv, struct val **out)
{
    return truncate_round(c, recv, out, true);
}

const struct tmpl_method time_methods[] = {
    {"Format", m_format, "func(string) string"},
    {"String", m_string, "func() string"},
    {"Unix", m_unix, "func() int64"},
    {"UnixMilli", m_unix_milli, "func() int64"},
    {"UnixNano", m_unix_nano, "func() int64"},
    {"Year", m_year, "func() int"},
    {"YearDay", m_year_day, "func() int"},
    {"Day", m_day, "func() int"},
    {"Hour", m_hour, "func() int"},
    {"Minute", m_minute, "func() int"},
    {"Second", m_second, "func() int"},
    {"Nanosecond", m_nanosecond, "func() int"},
    {"UTC", m_utc, "func() time.Time"},
    {"Local", m_local, "func() time.Time"},
    {"IsZero", m_is_zero, "func() bool"},
    {"Before", m_before, "func(time.Time) bool"},
    {"After", m_after, "func(time.Time) bool"},
    {"Equal", m_equal, "func(time.Time) bool"},
    {"AddDate", m_add_date, "func(int, int, int) time.Time"},
    {"Month", m_month, "func() time.Month"},
    {"Weekday", m_weekday, "func() time.Weekday"},
    {"Location", m_location, "func() *time.Location"},
    {"In", m_in, "func(*time.Location) time.Time"},
    {"UnixMicro", m_unix_micro, "func() int64"},
    {"Compare", m_compare, "func(time.Time) int"},
    {"Add", m_add, "func(time.Duration) time.Time"},
    {"Sub", m_sub, "func(time.Time) time.Duration"},
    {"Truncate", m_truncate, "func(time.Duration) time.Time"},
    {"Round", m_round, "func(time.Duration) time.Time"},
    /* Go's goodFunc refuses these (see struct tmpl_sig's bad_results) */
    {"Date", NULL, "func() (int, time.Month, int)"},
    {"Clock", NULL, "func() (int, int, int)"},
    {"ISOWeek", NULL, "func() (int, int)"},
    {"Zone", NULL, "func() (string, int)"},
    {"ZoneBounds", NULL, "func() (time.Time, time.Time)"},
    {NULL, NULL, NULL},
};

/* ---- Sprig's functions ---- */

/* the date argument of date/dateInZone/htmlDate: time.Time, int64, int,
 * int32 (seconds), anything else means now */
static struct go_time
date_arg(const struct val *v, bool with_int32)
{
    const struct go_time *t = time_of(v);
    if (t)
        return *t;
    if (v && v->kind == VAL_INT) {
        switch (v->gotype) {
        case VAL_GO_AUTO:
        case VAL_GO_INT64:
            return time_unix(v->u.i);
        case VAL_GO_INT32:
        case VAL_GO_RUNE:
            if (with_int32)
                return time_unix(v->u.i);
            break;
        default:
            break;
        }
    }
    return time_now();
}

/* dateInZone(fmt, date, zone) */
static int
date_in_zone(struct tmpl_call *c, struct val **out, const char *fmt, size_t fn,
             const struct val *date, const char *zone, size_t zn)
{
    struct go_time t = date_arg(date, true);
    const struct tz_loc *loc = load_location(zone, zn);
    if (!loc)
        loc = &utc_loc;
    t = strip_mono(t);
    t.loc = loc == &utc_loc ? NULL : loc;
    t.fixed = false;
    struct sb b = SB_INIT;
    time_format(&b, &t, fmt, fn);
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
fn_now(struct tmpl_call *c, struct val **out)
{
    struct go_time t = time_now();
    *out = mk_time(c->a, &t);
    return 0;
}

static int
fn_date(struct tmpl_call *c, struct val **out)
{
    size_t fn;
    const char *f = tmpl_arg_str(c, 0, &fn);
    return date_in_zone(c, out, f, fn, c->argv[1], "Local", 5);
}

static int
fn_date_in_zone(struct tmpl_call *c, struct val **out)
{
    size_t fn, zn;
    const char *f = tmpl_arg_str(c, 0, &fn);
    const char *z = tmpl_arg_str(c, 2, &zn);
    return date_in_zone(c, out, f, fn, c->argv[1], z, zn);
}

static int
fn_html_date(struct tmpl_call *c, struct val **out)
{
    return date_in_zone(c, out, "2006-01-02", 10, c->argv[0], "Local", 5);
}

static int
fn_html_date_in_zone(struct tmpl_call *c, struct val **out)
{
    size_t zn;
    const char *z = tmpl_arg_str(c, 1, &zn);
    return date_in_zone(c, out, "2006-01-02", 10, c->argv[0], z, zn);
}

/* Time.Add */
static struct go_time
time_add(struct go_time t, int64_t d)
{
    int64_t dsec = d / 1000000000;
    int64_t nsec = t.nsec + d % 1000000000;
    if (nsec >= 1000000000) {
        dsec++;
        nsec -= 1000000000;
    } else if (nsec < 0) {
        dsec--;
        nsec += 1000000000;
    }
    t.sec += dsec;
    t.nsec = (int32_t)nsec;
    if (t.mono)
        t.mono_ns += d;
    return t;
}

static int
date_modify(struct tmpl_call *c, struct val **out, bool must)
{
    size_t n;
    const char *f = tmpl_arg_str(c, 0, &n);
    const struct go_time *t = time_of(c->argv[1]);
    int64_t d;
    struct sb err = SB_INIT;
    if (parse_duration(f, n, &d, &err) < 0) {
        int rc = 0;
        if (must) {
            rc = tmpl_fail(c, "%s", err.buf);
        } else {
            *out = c->argv[1];
        }
        sb_release(&err);
        return rc;
    }
    struct go_time r = time_add(*t, d);
    *out = mk_time(c->a, &r);
    return 0;
}

static int
fn_date_modify(struct tmpl_call *c, struct val **out)
{
    return date_modify(c, out, false);
}

static int
fn_must_date_modify(struct tmpl_call *c, struct val **out)
{
    return date_modify(c, out, true);
}

/* t2 - t1 as a Duration, saturating, monotonic when both have it */
static int64_t
time_sub(const struct go_time *t2, const struct go_time *t1)
{
    if (t2->mono && t1->mono)
        return t2->mono_ns - t1->mono_ns;
    __int128 d = ((__int128)t2->sec - t1->sec) * 1000000000 + (t2->nsec - t1->nsec);
    if (d > INT64_MAX)
        return INT64_MAX;
    if (d < INT64_MIN)
        return INT64_MIN;
    return (int64_t)d;
}

/* Duration.Round */
static int64_t
duration_round(int64_t d, int64_t m)
{
    if (m <= 0)
        return d;
    int64_t r = d % m;
    if (d < 0) {
        r = -r;
        if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
            return d + r;
        int64_t d1 = (int64_t)((uint64_t)d - (uint64_t)m + (uint64_t)r);
        if (d1 < d)
            return d1;
        return INT64_MIN;
    }
    if ((uint64_t)r + (uint64_t)r < (uint64_t)m)
        return d - r;
    int64_t d1 = (int64_t)((uint64_t)d + (uint64_t)m - (uint64_t)r);
    if (d1 > d)
        return d1;
    return INT64_MAX;
}

static int
fn_ago(struct tmpl_call *c, struct val **out)
{
    struct go_time t = date_arg(c->argv[0], false);
    struct go_time now = time_now();
    int64_t d = duration_round(time_sub(&now, &t), 1000000000);
    struct sb b = SB_INIT;
    duration_string(&b, d);
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
fn_duration(struct tmpl_call *c, struct val **out)
{
    const struct val *v = c->argv[0];
    int64_t n = 0;
    if (v->kind == VAL_STRING && v->gotype == VAL_GO_AUTO) {
        int64_t x;
        if (sprig_strconv_int(v->u.s.ptr, v->u.s.len, 10, &x) == 0)
            n = x;
    } else if (v->kind == VAL_INT && v->gotype == VAL_GO_INT64) {
        n = v->u.i;
    }
    struct sb b = SB_INIT;
    duration_string(&b, (int64_t)((uint64_t)n * 1000000000u));
    *out = tmpl_mkstr(c, b.buf, b.len);
    sb_release(&b);
    return 0;
}

static int
fn_duration_round(struct tmpl_call *c, struct val **out)
{
    const struct val *v = c->argv[0];
    int64_t d = 0;
    if (v->kind == VAL_STRING && v->gotype == VAL_GO_AUTO) {
        struct sb err = SB_INIT;
        if (parse_duration(v->u.s.ptr, v->u.s.len, &d, &err) < 0)
            d = 0;
        sb_release(&err);
    } else if (v->kind == VAL_INT && v->gotype == VAL_GO_INT64) {
        d = v->u.i;
    } else if (time_of(v)) {
        struct go_time now = time_now();
        d = time_sub(&now, time_of(v));
    }
    uint64_t u = (uint64_t)d;
    if (d < 0)
        u = 0 - u;
    const uint64_t hour = 3600000000000ull;
    const uint64_t year = hour * 24 * 365, month = hour * 24 * 30, day = hour * 24,
                   minute = 60000000000ull, second = 1000000000ull;
    char buf[32];
    if (u > year)
        snprintf(buf, sizeof(buf), "%luy", (unsigned long)(u / year));
    else if (u > month)
        snprintf(buf, sizeof(buf), "%lumo", (unsigned long)(u / month));
    else if (u > day)
        snprintf(buf, sizeof(buf), "%lud", (unsigned long)(u / day));
    else if (u > hour)
        snprintf(buf, sizeof(buf), "%luh", (unsigned long)(u / hour));
    else if (u > minute)
        snprintf(buf, sizeof(buf), "%lum", (unsigned long)(u / minute));
    else if (u > second)
        snprintf(buf, sizeof(buf), "%lus", (unsigned long)(u / second));
    else
        snprintf(buf, sizeof(buf), "0s");
    *out = tmpl_mkstrz(c, buf);
    return 0;
}

static int
to_date(struct tmpl_call *c, struct val **out, bool must)
{
    size_t ln, vn;
    const char *l = tmpl_arg_str(c, 0, &ln);
    const char *v = tmpl_arg_str(c, 1, &vn);
    struct go_time t;
    struct sb err = SB_INIT;
    if (time_parse(&t, l, ln, v, vn, get_local(), &err) < 0) {
        int rc = 0;
        if (must)
            rc = tmpl_fail(c, "%s", err.buf);
        memset(&t, 0, sizeof(t));
        t.sec = ZERO_SEC;
        *out = mk_time(c->a, &t);
        sb_release(&err);
        return rc;
    }
    sb_release(&err);
    *out = mk_time(c->a, &t);
    return 0;
}

static int
fn_to_date(struct tmpl_call *c, struct val **out)
{
    return to_date(c, out, false);
}

static int
fn_must_to_date(struct tmpl_call *c, struct val **out)
{
    return to_date(c, out, true);
}

static int
fn_unix_epoch(struct tmpl_call *c, struct val **out)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)time_of(c->argv[0])->sec);
    *out = tmpl_mkstrz(c, buf);
    return 0;
}

/* For fromToml (render/toml-decode.c): time.ParseInLocation with
 * time.Local, or with BurntSushi's time.FixedZone(zone, offset of
 * time.Now() in Local). */
struct val *
sprig_time_parse_in(struct arena *a, const char *layout, const char *value, size_t vn,
                    const char *fixed_zone)
{
    const struct tz_loc *loc = get_local();
    if (fixed_zone) {
        struct go_time now = time_now();
        struct zinfo zi;
        char buf[48];
        time_zone(&now, &zi, buf);
        struct tz_loc *l = arena_alloc(a, sizeof(*l));
        memset(l, 0, sizeof(*l));
        l->name = arena_strdup(a, fixed_zone);
        l->zones = arena_alloc(a, sizeof(*l->zones));
        memset(l->zones, 0, sizeof(*l->zones));
        snprintf(l->zones[0].name, sizeof(l->zones[0].name), "%s", fixed_zone);
        l->zones[0].off = zi.off;
        l->nz = 1;
        loc = l;
    }
    struct go_time t;
    struct sb err = SB_INIT;
    int rc = time_parse(&t, layout, strlen(layout), value, vn, loc, &err);
    sb_release(&err);
    if (rc < 0)
        return NULL;
    return mk_time(a, &t);
}

const struct tmpl_func tmpl_funcs_sprig_date[] = {
    {"now", fn_now, "func() time.Time"},
    {"date", fn_date, "func(string, interface {}) string"},
    {"dateInZone", fn_date_in_zone, "func(string, interface {}, string) string"},
    {"date_in_zone", fn_date_in_zone, "func(string, interface {}, string) string"},
    {"htmlDate", fn_html_date, "func(interface {}) string"},
    {"htmlDateInZone", fn_html_date_in_zone, "func(interface {}, string) string"},
    {"dateModify", fn_date_modify, "func(string, time.Time) time.Time"},
    {"date_modify", fn_date_modify, "func(string, time.Time) time.Time"},
    {"mustDateModify", fn_must_date_modify, "func(string, time.Time) (time.Time, error)"},
    {"must_date_modify", fn_must_date_modify, "func(string, time.Time) (time.Time, error)"},
    {"ago", fn_ago, "func(interface {}) string"},
    {"duration", fn_duration, "func(interface {}) string"},
    {"durationRound", fn_duration_round, "func(interface {}) string"},
    {"toDate", fn_to_date, "func(string, string) time.Time"},
    {"mustToDate", fn_must_to_date, "func(string, string) (time.Time, error)"},
    {"unixEpoch", fn_unix_epoch, "func(time.Time) string"},
    {NULL, NULL, NULL},
};

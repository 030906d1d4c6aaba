/* helm's log.Printf lines. helm's main sets log.Lshortfile, so each line
 * reads "file.go:LINE: message": coalesce warnings, dependency conditions
 * and tags that are not booleans, missing import-values tables, unknown
 * hooks. pkg template prints them to stderr as helm template does; other
 * users of the chart module (kustomize's helmCharts, which shows helm's
 * stderr only when helm fails; the engine) leave them off. */
#include "chart/chart-int.h"
#include "core/sb.h"

#include <stdarg.h>
#include <stdio.h>

static bool helm_log_on;

void
chart_helm_log_enable(bool on)
{
    helm_log_on = on;
}

bool
chart_helm_log_enabled(void)
{
    return helm_log_on;
}

void
chart_helm_log(const char *file, int line, const char *fmt, ...)
{
    if (!helm_log_on)
        return;
    struct sb sb = SB_INIT;
    sb_addf(&sb, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(&sb, fmt, ap);
    va_end(ap);
    if (sb.buf[sb.len - 1] != '\n') /* log.Output ends every entry with one */
        sb_addch(&sb, '\n');
    fwrite(sb.buf, 1, sb.len, stderr);
    sb_release(&sb);
}

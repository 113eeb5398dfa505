/* Wall-clock time in the protocol's unit. */
#include <time.h>

#include "approvald.h"

int64_t
clock_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

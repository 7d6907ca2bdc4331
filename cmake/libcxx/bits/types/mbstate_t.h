// libc++ looks for glibc's mbstate_t header; newlib calls the type _mbstate_t.
#include <sys/_types.h>
typedef _mbstate_t mbstate_t;

// libpng through the system library (Debian's libpng-dev). Swift never calls libpng directly:
// libpng reports errors by longjmp, which must not cross Swift frames; CPNGShim wraps every call.
#include <png.h>

#include "svc_fixture.h"
#include "unit.h"
int main(void){return unit_run("svc_referrals",NULL,NULL);}

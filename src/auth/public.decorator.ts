import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/** A route (or controller) that needs no credentials in any AUTH_MODE: health, liveness, docs, the demo page. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

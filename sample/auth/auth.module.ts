import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthService } from './auth.service';
import { BearerAuthGuard } from './bearer-auth.guard';
import { EndUserHook } from './end-user.hook';

/** Authentication for the whole app; global so TracingModule can resolve EndUserHook. */
@Global()
@Module({
  providers: [AuthService, EndUserHook, { provide: APP_GUARD, useClass: BearerAuthGuard }],
  exports: [AuthService, EndUserHook],
})
export class AuthModule {}

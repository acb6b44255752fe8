import { Injectable } from '@nestjs/common';
import { RequestHookRunner } from './http/request-hook.runner';

/** Per-app state shared by the module (which fills it at init) and the global interceptor. */
@Injectable()
export class TracingRuntime {
  hooks = new RequestHookRunner();
}

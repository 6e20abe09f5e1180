// A LabApi call that shows its error and returns null, so panels need no error plumbing.
import type { ResultOf } from '../../../../src-shared/contract';
import type { Channel, InvokeArgs } from '../../../../src-shared/lab-api';

export type Requester = <C extends Channel>(
  channel: C,
  ...args: InvokeArgs<C>
) => Promise<ResultOf<C> | null>;

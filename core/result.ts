// The one shape of "it worked, or here is why not" for the pure checks that
// report instead of throwing (request targets, route patterns, scope lists,
// origins, durations, environment values, the admin's body checks): a union
// discriminated on `ok`. The success's fields sit beside `ok` rather than
// under a wrapper, so each check names what it returns (`target`, `scopes`,
// `origin`) and a caller on the request path reads one property deep; a
// failure carries `problem`, one sentence for a human, unless the check
// declares its own failure fields.

/** What a failure carries by default. */
export interface Problem {
  readonly problem: string;
}

/** `{ ok: true, ...T }` or `{ ok: false, ...E }`; narrow on `ok`. */
export type Result<T extends object, E extends object = Problem> = ({ readonly ok: true } & T) | ({ readonly ok: false } & E);

import { type Static, Type } from '@sinclair/typebox';

/** Every error the service answers, whatever raised it (a route, validation, auth, Fastify itself). */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    error: Type.String({ description: 'The HTTP reason phrase.' }),
    message: Type.String({ description: 'What was wrong; for 5xx only "Internal Server Error" or the reason the service is unavailable.' }),
    requestId: Type.String({ description: 'Also in the log line of the request (reqId) and in the X-Request-Id header when the client sent one.' }),
  },
  { $id: 'Error', description: 'Every error answer has this shape.' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** A reference to ErrorBody, for route response maps. */
export const ErrorRef = Type.Ref('Error');

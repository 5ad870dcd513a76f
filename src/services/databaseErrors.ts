// What the layers above services may know about the database's failures: whether an error
// means that it did not answer (the API reports DATABASE_UNAVAILABLE, the worker retries).
export { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from "../db/client";

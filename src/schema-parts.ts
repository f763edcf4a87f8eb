import * as z from 'zod/mini'

/** A string of at least one character; `message` says what an empty one lacks. */
export const filled = (message?: string) => z.string().check(z.minLength(1, message))

/** A whole number above zero (a count, a port, milliseconds). */
export const positiveInt = () => z.number().check(z.int(), z.positive())

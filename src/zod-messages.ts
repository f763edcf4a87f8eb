// Imported for its effect by every module with a schema. The schemas use zod/mini, not zod: classic
// zod, with every locale, was 750 KB that each command reading a scope, gate or environment file
// loaded — 45 ms of its start. Mini says only "Invalid input" until it is given zod's English messages.
import { config } from 'zod/mini'
import en from 'zod/v4/locales/en.js'

config(en())

// Which kind of refusal a user error is: the outcome catalogue decides (src/errors/); kept here for old imports.
export { refusalCodeOf } from '../src/errors/index.js';

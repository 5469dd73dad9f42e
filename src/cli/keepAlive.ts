/**
 * Preloaded with `--require` into a program `leak-lens profile` launches: a timer that keeps a
 * program whose top level finishes at once alive, so its functions can still be called. A
 * CommonJS preload, unlike an `--import`, leaves how Node loads the main file unchanged (a
 * `-r ts-node/register` main still goes through require).
 */
setInterval(() => undefined, 2 ** 30);

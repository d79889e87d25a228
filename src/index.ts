// rivulet: the package entry point.
export * from "./core/index.js";

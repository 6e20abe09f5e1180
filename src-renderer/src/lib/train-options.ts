// Schemas of the optional short-run limits, taken from the training.start request schema.
import { CHANNELS } from '../../../src-shared/contract';

const startShape = CHANNELS['training.start'].request.shape;

/** Total optimiser steps after which a run stops. */
export const maxStepsSchema = startShape.maxSteps.unwrap();
/** Test images evaluated per epoch. */
export const maxTestImagesSchema = startShape.maxTestImages.unwrap();

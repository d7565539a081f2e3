//! Tests of adsigma-pipeline.

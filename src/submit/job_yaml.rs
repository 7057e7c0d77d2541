//! az ml CLI v2 command job files (`amlc jobs create -f job.yml`): read into a typed job.
